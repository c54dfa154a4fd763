<?php
// Creates the key files the .phpt tests name in their --INI-- sections. Git does not keep file
// modes, so they are made fresh before every run; the suite script calls this.
$dir = dirname(__DIR__) . '/keys';
if (!is_dir($dir) && !mkdir($dir, 0700)) {
    fwrite(STDERR, "cannot create $dir\n");
    exit(1);
}
$keys = [
    'good.key' => [32, 0600],
    'group.key' => [32, 0640],
    'open.key' => [32, 0644],
    'group-writable.key' => [32, 0660],
    'short.key' => [31, 0600],
    'long.key' => [33, 0600],
    'empty.key' => [0, 0600],
    'rotating.key' => [32, 0600],
];
foreach ($keys as $name => [$len, $mode]) {
    $path = "$dir/$name";
    if (file_exists($path)) {
        unlink($path);
    }
    if (file_put_contents($path, $len ? random_bytes($len) : '') !== $len || !chmod($path, $mode)) {
        fwrite(STDERR, "cannot write $path\n");
        exit(1);
    }
}
clearstatcache();
echo 'made ', count($keys), " test keys in $dir\n";
