#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Add or remove Quality Patches in stage.build.QUALITY_PATCHES of a .magento.env.yaml."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: magento_env_yaml
short_description: List or unlist Quality Patches in a C(.magento.env.yaml), keeping the file as written
description:
  - Adds patch IDs to C(stage.build.QUALITY_PATCHES) (O(state=present)) or removes them
    (O(state=absent)) in an Adobe Commerce Cloud C(.magento.env.yaml).
  - The file is edited as text at the positions the YAML parser reports, so comments, key order,
    quoting, indentation, anchors, flow-style collections and the other stages stay byte for byte
    as written. Missing keys (or the whole file) are created; a removal that empties the list also
    removes the keys it would have created, so adding then removing returns the original bytes.
  - Every edit is checked by parsing the result and comparing it with the intended data; when they
    differ, or the file is not valid YAML, or C(QUALITY_PATCHES) is not a list, the module fails and
    leaves the file untouched.
  - Needs C(ruamel.yaml) on the machine the module runs on (the controller for cloud projects).
version_added: "0.1.0"
author: qpt-apply contributors (@qpt-apply)
options:
  path:
    description: Path of the C(.magento.env.yaml) file.
    type: path
    required: true
  patches:
    description: Patch IDs, e.g. C(ACSD-61103).
    type: list
    elements: str
    required: true
  state:
    description: C(present) lists the IDs, C(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode and diff mode.
  - When a removal leaves the file empty the file is deleted (it is what adding to a missing file created).
"""

EXAMPLES = r"""
- name: List ACSD-61103 in the build stage
  magento_env_yaml:
    path: /srv/project/.magento.env.yaml
    patches: [ACSD-61103]
"""

RETURN = r"""
listed_before:
  description: Entries of C(stage.build.QUALITY_PATCHES) before the edit.
  type: list
  returned: success
listed_after:
  description: Entries of C(stage.build.QUALITY_PATCHES) after the edit.
  type: list
  returned: success
added:
  description: IDs added.
  type: list
  returned: success
removed:
  description: IDs removed.
  type: list
  returned: success
created:
  description: Whether the file did not exist and was (or would be) created.
  type: bool
  returned: success
deleted:
  description: Whether the file was (or would be) deleted because nothing was left in it.
  type: bool
  returned: success
wildcard:
  description: Whether the list holds C('*') (all patches).
  type: bool
  returned: success
unified_diff:
  description: Unified diff of the edit (empty when nothing changes).
  type: str
  returned: success
reason_code:
  description: Machine-readable failure reason (C(malformed-env-yaml), C(env-yaml-not-editable), C(bad-input)).
  type: str
  returned: failure
"""

import copy
import difflib
import os
import tempfile
from collections import Counter

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import patch_list_problems

try:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import (
        AliasEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    RUAMEL_IMPORT_ERROR = None
except ImportError as exc:  # reported by main() through fail_json
    RUAMEL_IMPORT_ERROR = exc

PATH = ("stage", "build", "QUALITY_PATCHES")
NULL_WORDS = ("", "~", "null", "Null", "NULL")


class EnvYamlError(Exception):
    """The file cannot be edited safely; `code` is the machine-readable reason."""

    def __init__(self, message, code="env-yaml-not-editable"):
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------------------------
# A positional tree built from the parser's events. ruamel's composer resolves aliases into the
# anchored node (whose marks point at the anchor), so the tree is built from events instead.
# --------------------------------------------------------------------------------------------
class Node:
    __slots__ = ("kind", "start", "end", "flow", "style", "value", "anchor", "tag", "items")

    def __init__(self, kind, start, end=None, flow=False, style=None, value=None, anchor=None, tag=None):
        self.kind = kind  # map | seq | scalar | alias
        self.start = start
        self.end = end
        self.flow = flow
        self.style = style
        self.value = value
        self.anchor = anchor
        self.tag = tag
        self.items = []  # seq: [Node]; map: [(key Node, value Node)]


def _parse_tree(text):
    """Return (root node or None, set of anchor names used by aliases)."""
    yaml = YAML(typ="rt")
    stack = []  # [node, pending_key]
    roots = []
    aliased = set()

    def attach(node):
        if not stack:
            roots.append(node)
            return
        frame = stack[-1]
        parent = frame[0]
        if parent.kind == "seq":
            parent.items.append(node)
        elif frame[1] is None:
            frame[1] = node
        else:
            parent.items.append((frame[1], node))
            frame[1] = None

    for event in yaml.parse(text):
        if isinstance(event, ScalarEvent):
            attach(Node("scalar", event.start_mark.index, event.end_mark.index, style=event.style,
                        value=event.value, anchor=event.anchor, tag=event.tag))
        elif isinstance(event, AliasEvent):
            aliased.add(event.anchor)
            attach(Node("alias", event.start_mark.index, event.end_mark.index, value=event.anchor))
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            kind = "map" if isinstance(event, MappingStartEvent) else "seq"
            stack.append([Node(kind, event.start_mark.index, flow=bool(event.flow_style),
                               anchor=event.anchor, tag=event.tag), None])
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            node = stack.pop()[0]
            node.end = event.end_mark.index
            attach(node)
    if len(roots) > 1:
        raise EnvYamlError("the file holds %d YAML documents; expected one" % len(roots), "malformed-env-yaml")
    return (roots[0] if roots else None), aliased


def _is_null(node):
    return (node.kind == "scalar" and node.style is None and node.tag is None
            and node.value in NULL_WORDS)


def _is_bare_null(node):
    return _is_null(node) and node.value == ""


def _find(mapping, key):
    for k, v in mapping.items:
        if k.kind == "scalar" and k.value == key:
            return k, v
    return None


# --------------------------------------------------------------------------------------------
# Text helpers. Positions are indexes into the decoded text; a "line end" includes its newline.
# --------------------------------------------------------------------------------------------
def _line_start(text, idx):
    return text.rfind("\n", 0, idx) + 1


def _line_after(text, idx):
    """Start of the line following the one holding the character before idx."""
    if idx > 0 and text[idx - 1] == "\n":  # block scalars end at the start of a line
        return idx
    j = text.find("\n", idx)
    return len(text) if j < 0 else j + 1


def _column(text, idx):
    return idx - _line_start(text, idx)


def _after_colon(text, key):
    j = key.end
    while j < len(text) and text[j] in " \t":
        j += 1
    if j >= len(text) or text[j] != ":":
        raise EnvYamlError("unsupported key syntax near %r" % text[key.start:key.end])
    return j + 1


def _content_end(text, node):
    """Index just past the last character that belongs to node."""
    if node.kind in ("scalar", "alias") or node.flow or not node.items:
        return node.end
    if node.kind == "map":
        k, v = node.items[-1]
        return _entry_end(text, k, v)
    return _content_end(text, node.items[-1])


def _entry_end(text, key, value):
    if _is_bare_null(value):  # a bare `key:` has its null placed at the next token
        return _after_colon(text, key)
    return _content_end(text, value)


def _insert_lines(text, pos, lines, newline):
    """Insert whole lines at pos (a line start or the end of the text)."""
    if pos == len(text) and text and not text.endswith("\n"):
        return text + newline + newline.join(lines)
    return text[:pos] + "".join(line + newline for line in lines) + text[pos:]


def _remove_lines(text, start, end):
    """Remove whole lines [start, end); at an unterminated last line take the newline before it."""
    if end == len(text) and not text.endswith("\n") and start > 0:
        return text[:start - 2] if text[:start].endswith("\r\n") else text[:start - 1]
    return text[:start] + text[end:]


def _line_is_blank_or_comment(line):
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _has_comment_after(text, idx):
    """Whether the rest of the line from idx holds a comment."""
    end = text.find("\n", idx)
    rest = text[idx:] if end < 0 else text[idx:end]
    return rest.strip().startswith("#")


# --------------------------------------------------------------------------------------------
# Style detection: new lines follow the indentation the file already uses.
# --------------------------------------------------------------------------------------------
class Style:
    def __init__(self, text, root):
        self.newline = "\r\n" if "\r\n" in text else "\n"
        map_steps, seq_steps, gaps = Counter(), Counter(), Counter()

        def walk(node):
            if node.kind == "map":
                for k, v in node.items:
                    if not node.flow and not v.flow and v.kind in ("map", "seq") and v.items:
                        parent_col = _column(text, k.start)
                        if v.kind == "map":
                            map_steps[_column(text, v.items[0][0].start) - parent_col] += 1
                        else:
                            dash = _dash_index(text, v.items[0])
                            if dash is not None:
                                seq_steps[_column(text, dash) - parent_col] += 1
                                gap = text[dash + 1:v.items[0].start]
                                if gap.strip() == "":
                                    gaps[gap] += 1
                    walk(v)
            elif node.kind == "seq":
                for item in node.items:
                    walk(item)

        if root is not None:
            walk(root)
        self.map_indent = _most_common(map_steps, 2, positive=True)
        self.seq_indent = _most_common(seq_steps, self.map_indent, positive=False)
        self.dash_gap = _most_common(gaps, " ", positive=False) or " "


def _most_common(counter, default, positive):
    for value, _count in counter.most_common():
        if not positive or value > 0:
            return value
    return default


def _dash_index(text, item):
    """Index of the `-` introducing a block sequence item, or None."""
    dash = text.rfind("-", _line_start(text, item.start), item.start)
    if dash < 0 or text[_line_start(text, item.start):dash].strip():
        return None
    return dash


def _quote(patch_id, items):
    """Quote a new ID the way the list's items are quoted when they all agree; else plain."""
    styles = {item.style for item in items if item.kind == "scalar"}
    style = styles.pop() if len(styles) == 1 else None
    if style in ("'", '"'):
        return style + patch_id + style
    return patch_id


# --------------------------------------------------------------------------------------------
# What to write for keys that do not exist yet.
# --------------------------------------------------------------------------------------------
def _block_lines(keys, patches, col, style):
    """Block-style lines creating the nested `keys` path ending in a list of patches."""
    lines = []
    for depth, key in enumerate(keys):
        lines.append(" " * (col + depth * style.map_indent) + key + ":")
    item_col = col + (len(keys) - 1) * style.map_indent + style.seq_indent
    lines.extend(" " * item_col + "-" + style.dash_gap + p for p in patches)
    return lines


def _flow_value(keys, patches):
    """Flow-style text for the value of keys[0] (keys[1:] nested inside)."""
    value = "[" + ", ".join(patches) + "]"
    for key in reversed(keys[1:]):
        value = "{" + key + ": " + value + "}"
    return value


def _flow_separator(text, node):
    """Separator between items of a flow collection, copied from the file when it is plain."""
    if node.kind == "seq" and len(node.items) >= 2:
        sep = text[node.items[-2].end:node.items[-1].start]
    elif node.kind == "map" and len(node.items) >= 2:
        sep = text[_entry_end(text, *node.items[-2]):node.items[-1][0].start]
    else:
        return ", "
    if "#" in sep or sep.count(",") != 1:
        return ", "
    return sep


def _opening(text, node, char):
    idx = text.find(char, node.start)
    if idx < 0 or idx >= node.end:
        raise EnvYamlError("cannot locate %r of a flow collection" % char)
    return idx + 1


# --------------------------------------------------------------------------------------------
# The edits.
# --------------------------------------------------------------------------------------------
def _insert_entry(text, mapping, keys, patches, style):
    """Add the entry keys[0] (with keys[1:] nested and the list) to an existing mapping."""
    if mapping.flow:
        entry = keys[0] + ": " + _flow_value(keys, patches)
        if mapping.items:
            pos = _entry_end(text, *mapping.items[-1])
            return text[:pos] + _flow_separator(text, mapping) + entry + text[pos:]
        pos = _opening(text, mapping, "{")
        return text[:pos] + entry + text[pos:]
    col = _column(text, mapping.items[0][0].start)
    pos = _line_after(text, _entry_end(text, *mapping.items[-1]))
    return _insert_lines(text, pos, _block_lines(keys, patches, col, style), style.newline)


def _fill_null(text, parent, key, value, keys, patches, style):
    """Replace a null value of `key` in `parent` by keys[1:] nested and the list."""
    if parent.flow:
        if _is_bare_null(value):
            raise EnvYamlError("%s has an empty value inside a flow mapping; write it out by hand" % key.value)
        return text[:value.start] + _flow_value(keys, patches) + text[value.end:]
    colon = _after_colon(text, key)
    if not _is_bare_null(value):  # drop `~` / `null` and the blanks before it, keep any comment
        text = text[:colon] + text[value.end:]
    col = _column(text, key.start) + style.map_indent
    if len(keys) == 1:
        col = _column(text, key.start) + style.seq_indent
        lines = [" " * col + "-" + style.dash_gap + p for p in patches]
    else:
        lines = _block_lines(keys[1:], patches, col, style)
    return _insert_lines(text, _line_after(text, colon), lines, style.newline)


def _append_items(text, seq, patches, style):
    last = seq.items[-1] if seq.items else None
    quoted = [_quote(p, seq.items) for p in patches]
    if seq.flow:
        if seq.items:
            pos = seq.items[-1].end
            sep = _flow_separator(text, seq)
            return text[:pos] + "".join(sep + q for q in quoted) + text[pos:]
        pos = _opening(text, seq, "[")
        return text[:pos] + ", ".join(quoted) + text[pos:]
    dash = _dash_index(text, last)
    if dash is None:
        raise EnvYamlError("unsupported layout of the QUALITY_PATCHES list")
    gap = text[dash + 1:last.start] if last.kind == "scalar" and not last.anchor else style.dash_gap
    if gap.strip() or "\n" in gap:
        gap = style.dash_gap
    lead = text[_line_start(text, dash):dash]
    pos = _line_after(text, _content_end(text, last))
    return _insert_lines(text, pos, [lead + "-" + gap + q for q in quoted], style.newline)


def _remove_item(text, seq, index):
    """Remove one item of a sequence that keeps at least one item, or a flow item."""
    item = seq.items[index]
    if seq.flow:
        if len(seq.items) == 1:
            return text[:item.start] + text[item.end:]
        if index == len(seq.items) - 1:
            return text[:seq.items[index - 1].end] + text[item.end:]
        return text[:item.start] + text[seq.items[index + 1].start:]
    dash = _dash_index(text, item)
    if dash is None:
        raise EnvYamlError("unsupported layout of the QUALITY_PATCHES list")
    return _remove_lines(text, _line_start(text, dash), _line_after(text, _content_end(text, item)))


def _remove_entry(text, mapping, index):
    """Remove one entry of a mapping."""
    key, value = mapping.items[index]
    if mapping.flow:
        if len(mapping.items) == 1:
            return text[:key.start] + text[_entry_end(text, key, value):]
        if index == len(mapping.items) - 1:
            return text[:_entry_end(text, *mapping.items[index - 1])] + text[_entry_end(text, key, value):]
        return text[:key.start] + text[mapping.items[index + 1][0].start:]
    start = _line_start(text, key.start)
    if text[start:key.start].strip():
        raise EnvYamlError("unsupported layout around key %r" % key.value)
    return _remove_lines(text, start, _line_after(text, _entry_end(text, key, value)))


def _entry_removable(text, mapping, index, chain_keys):
    """An entry may go as a whole when removing it deletes no comment the person wrote."""
    key, value = mapping.items[index]
    if mapping.flow:
        return "#" not in text[key.start:_entry_end(text, key, value)]
    start = _line_start(text, key.start)
    end = _line_after(text, _entry_end(text, key, value))
    key_lines = {_line_start(text, k.start) for k in chain_keys}
    pos = start
    while pos < end:
        nxt = text.find("\n", pos)
        nxt = end if nxt < 0 or nxt + 1 > end else nxt + 1
        line = text[pos:nxt]
        if pos in key_lines:
            if _has_comment_after(text, _after_colon_at_line(text, pos, chain_keys)):
                return False
        elif line.strip().startswith("#"):
            return False
        pos = nxt
    return True


def _after_colon_at_line(text, line_start, chain_keys):
    for k in chain_keys:
        if _line_start(text, k.start) == line_start:
            return _after_colon(text, k)
    return line_start


# --------------------------------------------------------------------------------------------
# Plain-data view (for reading and for checking every edit).
# --------------------------------------------------------------------------------------------
def _load_data(text):
    yaml = YAML(typ="safe", pure=True)
    docs = list(yaml.load_all(text))
    if len(docs) > 1:
        raise EnvYamlError("the file holds %d YAML documents; expected one" % len(docs), "malformed-env-yaml")
    return docs[0] if docs else None


def _unshared_copy(data):
    """Deep copy that does not keep aliased nodes shared (so a check sees every change once)."""
    if isinstance(data, dict):
        return {k: _unshared_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_unshared_copy(v) for v in data]
    return copy.copy(data)


def _data_list(data):
    node = data
    for key in PATH:
        if not isinstance(node, dict) or node.get(key) is None:
            return []
        node = node[key]
    return list(node) if isinstance(node, list) else node


class EditResult:
    def __init__(self, before, after, listed_before, listed_after, added, removed, wildcard):
        self.before = before
        self.after = after
        self.listed_before = listed_before
        self.listed_after = listed_after
        self.added = added
        self.removed = removed
        self.wildcard = wildcard

    @property
    def changed(self):
        return self.before != self.after


def _locate(text, root):
    """Walk stage → build → QUALITY_PATCHES; returns [(mapping, index or None)] for each level."""
    chain = []
    node = root
    for depth, key in enumerate(PATH):
        if node is None:
            chain.append((None, None))
            continue
        if node.kind == "alias":
            raise EnvYamlError("%s is an alias (*%s); edit the anchored node by hand"
                               % (".".join(PATH[:depth]) or "the document", node.value))
        if node.kind != "map":
            raise EnvYamlError("%s is not a mapping" % (".".join(PATH[:depth]) or "the document"))
        found = None
        for i, (k, _v) in enumerate(node.items):
            if k.kind == "scalar" and k.value == key:
                found = i
        chain.append((node, found))
        if found is None:
            node = None
            continue
        value = node.items[found][1]
        node = None if _is_null(value) else value
    return chain, node


def _validate_ids(patches):
    problems = patch_list_problems(list(patches), "patches")
    if problems:
        raise EnvYamlError("; ".join(problems), "bad-input")


def _parse(text):
    try:
        data = _load_data(text)
        root, aliased = _parse_tree(text)
    except YAMLError as exc:
        raise EnvYamlError("not valid YAML: %s" % exc, "malformed-env-yaml") from exc
    return data, root, aliased


def _check_editable(data, root, chain, target):
    if root is not None and _is_null(root):
        root = None
    if data is not None and not isinstance(data, dict):
        raise EnvYamlError("the document is not a mapping")
    listed = _data_list(data)
    if not isinstance(listed, list):
        raise EnvYamlError("stage.build.QUALITY_PATCHES is not a list (found %s)" % type(listed).__name__)
    if not all(isinstance(p, (str, int, float)) for p in listed):
        raise EnvYamlError("stage.build.QUALITY_PATCHES holds entries that are not patch IDs")
    # Keys that exist only through a merge key (<<) cannot be edited in place.
    node = data
    for depth, key in enumerate(PATH):
        mapping, index = chain[depth]
        present = isinstance(node, dict) and key in node
        if present and index is None:
            raise EnvYamlError("%s comes from a merge key (<<); edit the file by hand" % ".".join(PATH[:depth + 1]))
        node = node.get(key) if isinstance(node, dict) else None
    if target is not None and target.kind == "alias":
        raise EnvYamlError("stage.build.QUALITY_PATCHES is an alias (*%s); edit the file by hand" % target.value)
    if target is not None and target.kind != "seq":
        raise EnvYamlError("stage.build.QUALITY_PATCHES is not a list")
    return root, [str(p) for p in listed]


def _refuse_shared(chain, target, aliased, upto):
    nodes = [chain[d][0] for d in range(1, upto) if chain[d][0] is not None] + ([target] if target is not None else [])
    for node in nodes:
        if node.anchor and node.anchor in aliased:
            raise EnvYamlError("the node to edit carries anchor &%s that is reused elsewhere; edit the file by hand"
                               % node.anchor)


def _keep_bom(edit):
    """Edit the text after a UTF-8 byte order mark, if any, and put the mark back."""

    def wrapper(text, patches):
        if not text.startswith("\ufeff"):
            return edit(text, patches)
        result = edit(text[1:], patches)
        result.before, result.after = text, "\ufeff" + result.after if result.after else ""
        return result

    wrapper.__doc__ = edit.__doc__
    return wrapper


@_keep_bom
def add_patches(text, patches):
    """Return EditResult listing `patches` in stage.build.QUALITY_PATCHES of the YAML `text`."""
    _validate_ids(patches)
    data, root, aliased = _parse(text)
    chain, target = _locate(text, root) if root is not None and not _is_null(root) else ([(None, None)] * 3, None)
    root, listed = _check_editable(data, root, chain, target)
    wildcard = "*" in listed
    missing = [] if wildcard else [p for p in dict.fromkeys(patches) if p not in listed]
    if not missing:
        return EditResult(text, text, listed, listed, [], [], wildcard)
    _refuse_shared(chain, target, aliased, 3)
    style = Style(text, root)

    if root is None:
        new = _insert_lines(text, len(text), _block_lines(list(PATH), missing, 0, style), style.newline)
    else:
        new = None
        for depth in range(len(PATH)):
            mapping, index = chain[depth]
            if index is None:
                new = _insert_entry(text, mapping, list(PATH[depth:]), missing, style)
                break
            key, value = mapping.items[index]
            if _is_null(value):
                new = _fill_null(text, mapping, key, value, list(PATH[depth:]), missing, style)
                break
        if new is None:
            new = _append_items(text, target, missing, style)

    expected = _unshared_copy(data) if isinstance(data, dict) else {}
    node = expected
    for key in PATH[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[PATH[-1]] = list(node.get(PATH[-1]) or []) + missing
    _verify(new, expected)
    return EditResult(text, new, listed, listed + missing, missing, [], False)


@_keep_bom
def remove_patches(text, patches):
    """Return EditResult without `patches` in stage.build.QUALITY_PATCHES of the YAML `text`."""
    _validate_ids(patches)
    new = text
    removed = []
    listed_before = None
    # One item per pass: positions are re-read from the edited text each time.
    while True:
        data, root, aliased = _parse(new)
        chain, target = _locate(new, root) if root is not None and not _is_null(root) else ([(None, None)] * 3, None)
        root, listed = _check_editable(data, root, chain, target)
        if listed_before is None:
            listed_before = listed
        wanted = [p for p in patches if p in listed]
        if not wanted:
            break
        if "*" in listed:
            raise EnvYamlError("stage.build.QUALITY_PATCHES lists '*' (all patches); remove %s by hand"
                               % ", ".join(wanted))
        _refuse_shared(chain, target, aliased, 3)
        index = next(i for i, item in enumerate(target.items) if item.kind == "scalar" and item.value in wanted)
        removed.append(target.items[index].value)
        new, dropped = _remove_one(new, chain, target, index)
        expected = _unshared_copy(data)
        node = expected
        for key in PATH[:-1]:
            node = node[key]
        node[PATH[-1]] = [p for i, p in enumerate(node[PATH[-1]]) if i != index]
        if dropped:
            parents = [expected]
            for key in PATH[:-1]:
                parents.append(parents[-1][key])
            level = len(PATH) - dropped
            del parents[level][PATH[level]]
            if level == 0 and not expected:
                expected = None
        _verify(new, expected)
    return EditResult(text, new, listed_before, _data_list(_load_data(new)) if new != text else listed_before,
                      [], removed, "*" in listed_before)


def _remove_one(text, chain, seq, index):
    """Remove item `index`; when the list empties, drop the keys that only held it.

    Returns (new text, number of levels dropped: 0 = list kept, 1 = QUALITY_PATCHES, 2 = build, 3 = stage).
    """
    if len(seq.items) > 1 or seq.flow and not chain[2][0].flow:
        # Still has items, or an explicit `[]` the person wrote in a block mapping.
        return _remove_item(text, seq, index), 0
    chain_keys = [m.items[i][0] for m, i in chain]
    level = 2
    if not _entry_removable(text, chain[2][0], chain[2][1], chain_keys):
        return _empty_block_list(text, chain[2][0].items[chain[2][1]][0], seq), 0
    while level > 0 and len(chain[level][0].items) == 1:
        if not _entry_removable(text, chain[level - 1][0], chain[level - 1][1], chain_keys):
            break
        level -= 1
    mapping, entry = chain[level]
    if level > 0 and len(mapping.items) == 1:
        # Removing the entry would leave `stage`/`build` null: keep the key with an empty list.
        if seq.flow:
            return _remove_item(text, seq, index), 0
        return _empty_block_list(text, chain[2][0].items[chain[2][1]][0], seq), 0
    return _remove_entry(text, mapping, entry), len(PATH) - level


def _empty_block_list(text, key, seq):
    """Turn a block list whose only item goes into `[]`, keeping comment lines around it."""
    item = seq.items[0]
    dash = _dash_index(text, item)
    if dash is None:
        raise EnvYamlError("unsupported layout of the QUALITY_PATCHES list")
    text = _remove_lines(text, _line_start(text, dash), _line_after(text, _content_end(text, item)))
    colon = _after_colon(text, key)
    return text[:colon] + " []" + text[colon:]


def _verify(new, expected):
    try:
        actual = _load_data(new)
    except YAMLError as exc:
        raise EnvYamlError("the edit would produce invalid YAML (%s); file left untouched" % exc) from exc
    if actual != expected:
        raise EnvYamlError("the edit would change more than QUALITY_PATCHES (unusual layout); file left untouched")


def unified_diff(before, after, path):
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile="a/" + path, tofile="b/" + path))


# --------------------------------------------------------------------------------------------
# Module entry point.
# --------------------------------------------------------------------------------------------
def _write_atomic(path, data, mode):
    fd, tmp = tempfile.mkstemp(prefix=".magento.env.", dir=os.path.dirname(path) or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main():
    from ansible.module_utils.basic import AnsibleModule, missing_required_lib

    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            patches=dict(type="list", elements="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    if RUAMEL_IMPORT_ERROR is not None:
        module.fail_json(msg=missing_required_lib("ruamel.yaml"), exception=str(RUAMEL_IMPORT_ERROR))
    path = module.params["path"]
    state = module.params["state"]
    exists = os.path.exists(path)
    if exists and not os.path.isfile(path):
        module.fail_json(msg="%s is not a regular file" % path, reason_code="env-yaml-not-editable")
    raw = b""
    if exists:
        with open(path, "rb") as handle:
            raw = handle.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        module.fail_json(msg="%s is not UTF-8: %s" % (path, exc), reason_code="malformed-env-yaml")
    try:
        if state == "present":
            result = add_patches(text, module.params["patches"])
        else:
            result = remove_patches(text, module.params["patches"])
    except EnvYamlError as exc:
        module.fail_json(msg="%s: %s" % (path, exc), reason_code=exc.code)

    created = result.changed and not exists
    deleted = result.changed and exists and result.after == ""
    name = os.path.basename(path)
    diff_text = unified_diff(result.before, result.after, name) if result.changed else ""
    if result.changed and not module.check_mode:
        if deleted:
            os.unlink(path)
        else:
            mode = (os.stat(path).st_mode & 0o7777) if exists else 0o644
            _write_atomic(path, result.after.encode("utf-8"), mode)
    module.exit_json(
        changed=result.changed,
        path=path,
        listed_before=result.listed_before,
        listed_after=result.listed_after,
        added=result.added,
        removed=result.removed,
        created=created,
        deleted=deleted,
        wildcard=result.wildcard,
        unified_diff=diff_text,
        diff=dict(before=result.before, after=result.after,
                  before_header=path if exists else "/dev/null",
                  after_header="/dev/null" if deleted else path),
    )


if __name__ == "__main__":
    main()
