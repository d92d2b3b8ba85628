<?php
namespace Magento\Framework\Lab;

/**
 * What the lab sets on a simulated host, read next to its Magento root at every run (so neither QPT's status nor a
 * digest of the root sees it): lab-faults.json says which steps fail and how long each one sleeps, and
 * lab-commands.log records when each stand-in command started and ended.
 *
 * lab-faults.json: {"faults": {"di_compile": "fail", ...}, "delays": {"qpt_status": 3, ...}, "set": <unix time>},
 * every key optional; a fault is "fail", or for di_compile "written-meanwhile" (see writtenMeanwhileRun).
 * lab-commands.log: one JSON object per line, {"event": "start", "cmd", "argv", "pid", "time"} then
 * {"event": "end", "cmd", "pid", "time", "rc"}.
 */
class Host
{
    const FAULTS_FILE = 'lab-faults.json';
    const COMMANDS_LOG = 'lab-commands.log';
    const WRITTEN_MEANWHILE_RUNS = 2;

    private static $hosts = [];

    private $dir;
    private $faults = [];
    private $delays = [];
    private $faultsSet = 0.0;

    public static function of($magentoRoot)
    {
        $dir = dirname(rtrim($magentoRoot, '/'));
        if (!isset(self::$hosts[$dir])) {
            self::$hosts[$dir] = new self($dir);
        }
        return self::$hosts[$dir];
    }

    private function __construct($dir)
    {
        $this->dir = $dir;
        $file = $dir . '/' . self::FAULTS_FILE;
        if (!is_file($file)) {
            return;
        }
        $settings = json_decode((string)file_get_contents($file), true);
        if (!is_array($settings)) {
            // A broken file must not look like "no faults" without a word: say so, and run unfaulted.
            fwrite(STDERR, "$file is not a JSON object; no lab faults or delays apply\n");
            return;
        }
        $this->faults = is_array($settings['faults'] ?? null) ? $settings['faults'] : [];
        $this->delays = is_array($settings['delays'] ?? null) ? $settings['delays'] : [];
        $this->faultsSet = (float)($settings['set'] ?? 0);
    }

    public function fails($step)
    {
        return ($this->faults[$step] ?? null) === 'fail';
    }

    /**
     * Fault "written-meanwhile": which of the first WRITTEN_MEANWHILE_RUNS runs of $cmd since the fault was set this
     * one is (1, 2, ...; its start line is logged already), or 0 when it runs unfaulted. Run 1 finds generated/code
     * written into while bin/magento empties it before the command, run 2 var/cache while the compile deletes it.
     */
    public function writtenMeanwhileRun($step, $cmd)
    {
        if (($this->faults[$step] ?? null) !== 'written-meanwhile') {
            return 0;
        }
        $runs = 0;
        foreach (@file($this->dir . '/' . self::COMMANDS_LOG) ?: [] as $line) {
            $entry = json_decode($line, true);
            if (is_array($entry) && $entry['event'] === 'start' && $entry['cmd'] === $cmd
                && $entry['time'] >= $this->faultsSet) {
                $runs++;
            }
        }
        return $runs <= self::WRITTEN_MEANWHILE_RUNS ? $runs : 0;
    }

    /**
     * Sleeps (no CPU) for the step's delay, as a slow real host spends time in it.
     */
    public function delay($step)
    {
        $seconds = $this->delays[$step] ?? 0;
        if (!(is_int($seconds) || is_float($seconds)) || $seconds <= 0) {
            return;
        }
        $whole = (int)floor($seconds);
        time_nanosleep($whole, (int)round(($seconds - $whole) * 1e9));
    }

    /**
     * Runs $body between a start and an end line of the command log; the end line carries the exit code the
     * command will have, also when $body throws.
     */
    public function run($cmd, array $argv, callable $body)
    {
        $this->logStart($cmd, $argv);
        $rc = 1;
        try {
            $rc = (int)$body();
            return $rc;
        } catch (\Throwable $e) {
            $rc = self::exitCodeOf($e);
            throw $e;
        } finally {
            $this->logEnd($cmd, $rc);
        }
    }

    public function logStart($cmd, array $argv)
    {
        $this->log(['event' => 'start', 'cmd' => $cmd, 'argv' => array_values($argv), 'pid' => getmypid(),
            'time' => microtime(true)]);
    }

    public function logEnd($cmd, $rc)
    {
        $this->log(['event' => 'end', 'cmd' => $cmd, 'pid' => getmypid(), 'time' => microtime(true),
            'rc' => (int)$rc]);
    }

    private function log(array $entry)
    {
        $line = json_encode($entry,
            JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION | JSON_INVALID_UTF8_SUBSTITUTE);
        // @: the log is for observers; a command never fails (or prints a warning) because it cannot be written
        @file_put_contents($this->dir . '/' . self::COMMANDS_LOG, $line . "\n", FILE_APPEND | LOCK_EX);
    }

    /**
     * The exit code a Symfony console application gives an uncaught throwable (PHP itself exits 255 on an Error).
     */
    private static function exitCodeOf(\Throwable $e)
    {
        if (!$e instanceof \Exception) {
            return 255;
        }
        $code = $e->getCode();
        return is_numeric($code) && (int)$code > 0 ? min((int)$code, 255) : 1;
    }
}
