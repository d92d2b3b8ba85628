<?php
namespace Magento\Framework\DB\Adapter\Pdo;

use Magento\Framework\DB\Sql\Expression;

/**
 * MySQL connection over PDO with the handful of helpers Magento code calls.
 */
class Mysql
{
    private $config;
    private $pdo;

    public function __construct(array $config)
    {
        $this->config = $config;
    }

    private function pdo()
    {
        if ($this->pdo === null) {
            $host = (string)($this->config['host'] ?? 'localhost');
            if (strpos($host, '/') !== false) {
                // "localhost:/path/mysqld.sock" or "/path/mysqld.sock"
                $dsn = 'mysql:unix_socket=' . preg_replace('/^[^\/]*:/', '', $host);
            } elseif (strpos($host, ':') !== false) {
                [$name, $port] = explode(':', $host, 2);
                $dsn = 'mysql:host=' . $name . ';port=' . (int)$port;
            } else {
                $dsn = 'mysql:host=' . $host;
            }
            $dsn .= ';dbname=' . ($this->config['dbname'] ?? '') . ';charset=utf8';
            $this->pdo = new \PDO($dsn, $this->config['username'] ?? '', $this->config['password'] ?? '', [
                \PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION,
                \PDO::ATTR_DEFAULT_FETCH_MODE => \PDO::FETCH_ASSOC,
            ]);
            // Magento stores timestamps in UTC whatever the server's zone.
            $this->pdo->exec("SET time_zone = '+00:00'");
        }
        return $this->pdo;
    }

    public function query($sql, array $bind = [])
    {
        $statement = $this->pdo()->prepare($sql);
        $statement->execute($bind);
        return $statement;
    }

    public function fetchRow($sql, array $bind = [])
    {
        $row = $this->query($sql, $bind)->fetch();
        return $row === false ? [] : $row;
    }

    public function fetchOne($sql, array $bind = [])
    {
        return $this->query($sql, $bind)->fetchColumn();
    }

    public function fetchAll($sql, array $bind = [])
    {
        return $this->query($sql, $bind)->fetchAll();
    }

    public function quoteIdentifier($name)
    {
        return '`' . str_replace('`', '``', $name) . '`';
    }

    public function quote($value)
    {
        if ($value === null) {
            return 'NULL';
        }
        if ($value instanceof Expression) {
            return (string)$value;
        }
        if (is_int($value) || is_float($value)) {
            return (string)$value;
        }
        return $this->pdo()->quote((string)$value);
    }

    public function quoteInto($text, $value)
    {
        return str_replace('?', $this->quote($value), $text);
    }

    public function insert($table, array $data)
    {
        $columns = implode(', ', array_map([$this, 'quoteIdentifier'], array_keys($data)));
        $values = implode(', ', array_map([$this, 'quote'], array_values($data)));
        $this->pdo()->exec("INSERT INTO {$this->quoteIdentifier($table)} ($columns) VALUES ($values)");
        return 1;
    }

    public function insertOnDuplicate($table, array $data, array $fields)
    {
        $columns = implode(', ', array_map([$this, 'quoteIdentifier'], array_keys($data)));
        $values = implode(', ', array_map([$this, 'quote'], array_values($data)));
        $updates = [];
        foreach ($fields as $field => $value) {
            $updates[] = $this->quoteIdentifier($field) . ' = ' . $this->quote($value);
        }
        return $this->pdo()->exec(
            "INSERT INTO {$this->quoteIdentifier($table)} ($columns) VALUES ($values)"
            . ' ON DUPLICATE KEY UPDATE ' . implode(', ', $updates)
        );
    }

    public function update($table, array $data, $where = '')
    {
        $set = [];
        foreach ($data as $column => $value) {
            $set[] = $this->quoteIdentifier($column) . ' = ' . $this->quote($value);
        }
        $sql = "UPDATE {$this->quoteIdentifier($table)} SET " . implode(', ', $set);
        if ($where !== '') {
            $sql .= ' WHERE ' . $where;
        }
        return $this->pdo()->exec($sql);
    }

    public function delete($table, $where = '')
    {
        $sql = "DELETE FROM {$this->quoteIdentifier($table)}";
        if ($where !== '') {
            $sql .= ' WHERE ' . $where;
        }
        return $this->pdo()->exec($sql);
    }

    public function lastInsertId()
    {
        return $this->pdo()->lastInsertId();
    }
}
