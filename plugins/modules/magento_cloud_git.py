#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Keep a clone of a cloud environment branch, commit an edit to it and push it without force."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: magento_cloud_git
short_description: Clone cache, commit and fast-forward push for Adobe Commerce Cloud environment branches
description:
  - O(state=synced) makes a clone of O(repo) in the cache (one clone per repository URL and branch,
    so parallel forks never share a work tree), fetches O(branch) and resets the clone to the remote
    branch. The cache belongs to this module, and local edits in it are discarded.
  - O(state=published) stages O(files), commits them with O(commit_message) and pushes to O(branch) without
    force. When the remote moved, it fetches and rebases once and pushes again; a conflict (or a second
    refusal) resets the clone to the remote branch and fails, leaving the remote unchanged. With
    O(dry_run) it reports the diff and the commit it would make, then resets the clone.
  - O(state=reset) resets the clone to the remote branch (used after a failure).
version_added: "0.1.0"
author: qpt-apply contributors (@qpt-apply)
options:
  state:
    description: What to do.
    type: str
    choices: [synced, published, reset]
    default: synced
  repo:
    description: Git URL or local path of the project repository.
    type: str
    required: true
  branch:
    description: Environment branch.
    type: str
    required: true
  cache_dir:
    description: Root of the clone cache.
    type: path
    required: true
  files:
    description: Paths (relative to the clone) to commit, for O(state=published).
    type: list
    elements: str
    default: []
  commit_message:
    description: Commit message, for O(state=published).
    type: str
    default: ""
  author_name:
    description: Author and committer name of the commit.
    type: str
    default: qpt-apply
  author_email:
    description: Author and committer email of the commit.
    type: str
    default: qpt-apply@localhost
  push:
    description: Push the commit (otherwise it stays in the cache clone until the next sync).
    type: bool
    default: true
  dry_run:
    description: Report the diff and the commit it would make; commit and push nothing.
    type: bool
    default: false
notes:
  - Runs on the controller; the git on PATH is used, with the user's own credentials (SSH agent, credential helpers).
"""

EXAMPLES = r"""
- name: Fetch the environment branch
  magento_cloud_git:
    repo: git@git.example.com:shop.git
    branch: staging
    cache_dir: ~/.cache/qpt-apply/cloud
  register: repo
"""

RETURN = r"""
path:
  description: The clone's work tree.
  type: str
  returned: always
base:
  description: Commit of the remote branch the work started from.
  type: str
  returned: always
head:
  description: Commit the clone ends at.
  type: str
  returned: always
commit:
  description: Commit made (null when nothing changed or in a dry run).
  type: str
  returned: published
pushed:
  description: Whether the commit reached the remote branch.
  type: bool
  returned: published
rebased:
  description: Whether the remote had moved and the commit was rebased once.
  type: bool
  returned: published
would_commit:
  description: Whether a commit would be (or was) made.
  type: bool
  returned: published
diff:
  description: Unified diff of the commit (or of the would-be commit in a dry run).
  type: str
  returned: published
files_changed:
  description: Files of O(files) that differ from the remote branch.
  type: list
  returned: published
remote_head:
  description: Commit of the remote branch when the module finished.
  type: str
  returned: published
reason_code:
  description: Machine-readable reason on failure (C(git-fetch-failed), C(branch-not-found), C(push-conflict), C(push-failed), C(git-failed)).
  type: str
  returned: failure
"""

import hashlib
import os
import re
import shutil

from ansible.module_utils.basic import AnsibleModule


class GitFailure(Exception):
    def __init__(self, message, code="git-failed", output=""):
        super().__init__(redact(message))
        self.code = code
        self.output = redact(output)


def _slug(text, limit=40):
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[-limit:]
    return slug or "x"


def clone_path(cache_dir, repo, branch):
    """One directory per (URL, branch): forks working on different hosts never share a work tree."""
    url_key = _slug(re.sub(r"\.git/?$", "", repo.rstrip("/")).rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    url_key += "-" + hashlib.sha256(repo.encode("utf-8")).hexdigest()[:12]
    branch_key = _slug(branch) + "-" + hashlib.sha256(branch.encode("utf-8")).hexdigest()[:8]
    return os.path.join(cache_dir, url_key, branch_key)


def redact(text):
    """Drop credentials from URLs (https://user:token@host/...) before they reach a log or a report."""
    return re.sub(r"(://)[^/@\s]+@", r"\1", text)


class Repo:
    def __init__(self, module, path, branch, env):
        self.module = module
        self.path = path
        self.branch = branch
        self.env = env

    def run(self, *args, cwd=None, check=True, code="git-failed"):
        rc, out, err = self.module.run_command(["git"] + list(args), cwd=cwd or self.path,
                                               environ_update=self.env)
        if check and rc != 0:
            raise GitFailure("git %s failed: %s" % (args[0], (err or out).strip()), code, (out + err).strip())
        return rc, out, err

    def rev(self, ref):
        rc, out, _err = self.run("rev-parse", "--verify", "--quiet", ref + "^{commit}", check=False)
        return out.strip() if rc == 0 else None

    def reset_to(self, ref):
        self.run("rebase", "--abort", check=False)
        self.run("checkout", "--quiet", "--force", "-B", self.branch, ref)
        self.run("reset", "--quiet", "--hard", ref)
        self.run("clean", "-ffdxq")


def sync(module, repo_url, branch, path, env):
    repo = Repo(module, path, branch, env)
    remote_ref = "refs/remotes/origin/" + branch
    if os.path.isdir(os.path.join(path, ".git")):
        rc, out, _err = repo.run("remote", "get-url", "origin", check=False)
        if rc != 0 or out.strip() != repo_url:
            shutil.rmtree(path)
    elif os.path.exists(path):
        shutil.rmtree(path)
    if not os.path.isdir(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        rc, out, err = repo.run("ls-remote", "--heads", repo_url, "refs/heads/" + branch,
                                cwd=os.path.dirname(path), check=False)
        if rc != 0:
            raise GitFailure("cannot reach %s: %s" % (redact(repo_url), err.strip()), "git-fetch-failed", err)
        if not out.strip():
            raise GitFailure("branch %s not found in %s" % (branch, redact(repo_url)), "branch-not-found")
        repo.run("clone", "--quiet", "--no-tags", "--single-branch", "--branch", branch, repo_url, path,
                 cwd=os.path.dirname(path), code="git-fetch-failed")
        repo.run("config", "gc.auto", "0")
    else:
        rc, _out, err = repo.run("fetch", "--quiet", "--no-tags", "--prune", "origin",
                                 "+refs/heads/%s:%s" % (branch, remote_ref), check=False)
        if rc != 0:
            missing = "couldn't find remote ref" in err.lower()
            raise GitFailure("%s %s: %s" % ("branch %s not found in" % branch if missing else "cannot fetch from",
                                            redact(repo_url), err.strip()),
                             "branch-not-found" if missing else "git-fetch-failed", err)
    repo.reset_to(remote_ref)
    return repo, repo.rev(remote_ref)


def publish(module, repo, branch, params):
    remote_ref = "refs/remotes/origin/" + branch
    base = repo.rev(remote_ref)
    files = params["files"]
    # `git add` refuses a pathspec that matches nothing (a file that exists nowhere): ask status first.
    _rc, status, _err = repo.run("status", "--porcelain", "--untracked-files=all", "-z", "--", *files)
    touched = [entry[3:] for entry in status.split("\0") if len(entry) > 3]
    if touched:
        repo.run("add", "--all", "--", *touched)
    _rc, changed_files, _err = repo.run("diff", "--cached", "--name-only", "--", *files)
    changed_files = [line for line in changed_files.splitlines() if line]
    result = dict(path=repo.path, base=base, head=base, commit=None, pushed=False, rebased=False,
                  message=params["commit_message"],
                  would_commit=bool(changed_files), files_changed=changed_files, diff="", remote_head=base)
    if not changed_files:
        repo.reset_to(remote_ref)
        return result
    _rc, diff, _err = repo.run("diff", "--cached", "--no-color", "--no-ext-diff", "--", *files)
    result["diff"] = diff
    if params["dry_run"]:
        repo.reset_to(remote_ref)
        return result
    # Only the named files go into the commit, whatever else the work tree holds.
    repo.run("commit", "--quiet", "-m", params["commit_message"])
    result["commit"] = result["head"] = repo.rev("HEAD")
    if not params["push"]:
        return result
    push_rc, push_out, push_err = _push(repo, branch)
    if push_rc != 0 and _rejected(push_out + push_err):
        # The remote moved: fetch, rebase our one commit once, try once more.
        rc, _out, err = repo.run("fetch", "--quiet", "--no-tags", "origin",
                                 "+refs/heads/%s:%s" % (branch, remote_ref), check=False)
        if rc != 0:
            repo.reset_to(remote_ref)
            raise GitFailure("the remote branch moved and could not be fetched: %s" % err.strip(), "push-failed", err)
        rc, out, err = repo.run("rebase", "--quiet", remote_ref, check=False)
        if rc != 0:
            repo.reset_to(remote_ref)
            raise GitFailure("the remote branch %s moved and its new commits conflict with this change "
                             "(rebase failed); nothing was pushed, the clone is reset to the remote" % branch,
                             "push-conflict", (out + err).strip())
        result["rebased"] = True
        head = repo.rev("HEAD")
        if head == repo.rev(remote_ref):  # the remote already holds the same change
            result.update(commit=None, head=head, remote_head=head, diff="", files_changed=[])
            return result
        result["commit"] = result["head"] = head
        push_rc, push_out, push_err = _push(repo, branch)
    if push_rc != 0:
        repo.reset_to(remote_ref)
        raise GitFailure("push to %s refused: %s" % (branch, (push_err or push_out).strip()), "push-failed",
                         (push_out + push_err).strip())
    result["pushed"] = True
    result["remote_head"] = repo.rev(remote_ref)
    _rc, diff, _err = repo.run("show", "--no-color", "--no-ext-diff", "--format=", "HEAD", "--", *files)
    result["diff"] = diff
    return result


def _push(repo, branch):
    return repo.run("push", "--porcelain", "origin", "HEAD:refs/heads/" + branch, check=False)


def _rejected(output):
    return bool(re.search(r"\[rejected\]|non-fast-forward|fetch first", output))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["synced", "published", "reset"], default="synced"),
            repo=dict(type="str", required=True),
            branch=dict(type="str", required=True),
            cache_dir=dict(type="path", required=True),
            files=dict(type="list", elements="str", default=[]),
            commit_message=dict(type="str", default=""),
            author_name=dict(type="str", default="qpt-apply"),
            author_email=dict(type="str", default="qpt-apply@localhost"),
            push=dict(type="bool", default=True),
            dry_run=dict(type="bool", default=False),
        ),
        supports_check_mode=False,
    )
    params = module.params
    branch = params["branch"]
    rc, _out, _err = module.run_command(["git", "check-ref-format", "--branch", branch])
    if rc != 0 or branch.startswith("-"):
        module.fail_json(msg="%r is not a valid branch name" % branch, reason_code="bad-input")
    if params["state"] == "published" and (not params["files"] or not params["commit_message"].strip()):
        module.fail_json(msg="files and commit_message are required to publish", reason_code="bad-input")
    env = {
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password on the controller
        "GIT_AUTHOR_NAME": params["author_name"],
        "GIT_AUTHOR_EMAIL": params["author_email"],
        "GIT_COMMITTER_NAME": params["author_name"],
        "GIT_COMMITTER_EMAIL": params["author_email"],
        "LC_ALL": "C",
    }
    path = clone_path(params["cache_dir"], params["repo"], branch)
    try:
        if params["state"] == "reset":
            repo = Repo(module, path, branch, env)
            if os.path.isdir(os.path.join(path, ".git")) and repo.rev("refs/remotes/origin/" + branch):
                repo.reset_to("refs/remotes/origin/" + branch)
            module.exit_json(changed=False, path=path)
        if params["state"] == "synced":
            _repo, base = sync(module, params["repo"], branch, path, env)
            module.exit_json(changed=False, path=path, base=base, head=base, repo=redact(params["repo"]))
        repo = Repo(module, path, branch, env)
        if not repo.rev("refs/remotes/origin/" + branch):
            module.fail_json(msg="no clone of %s in the cache; sync it first" % branch, reason_code="git-failed")
        result = publish(module, repo, branch, params)
        # A preview reports the change it would make, as check mode does.
        changed = bool(result["commit"]) or (params["dry_run"] and result["would_commit"])
        module.exit_json(changed=changed, repo=redact(params["repo"]), **result)
    except GitFailure as exc:
        module.fail_json(msg=str(exc), reason_code=exc.code, output=exc.output, path=path)


if __name__ == "__main__":
    main()
