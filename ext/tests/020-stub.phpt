--TEST--
twofa.stub.php and the built extension declare the same functions, parameters, types, defaults, return types, classes and ini entries
--EXTENSIONS--
twofa
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
require __DIR__ . '/setup/stub-compare.inc';
$problems = twofa_stub_differences(__DIR__ . '/../twofa.stub.php');
echo $problems ? implode("\n", $problems) : 'the stub and the extension agree', "\n";

// The comparison itself notices a difference on either side.
$stub = file_get_contents(__DIR__ . '/../twofa.stub.php');
$tmp = tempnam(sys_get_temp_dir(), 'twofa-stub');
$variants = [
    'a function only the extension has' => str_replace('function twofa_totp_secret(): string {}', '', $stub),
    'a function only the stub has' => str_replace('function twofa_version(): string {}', "function twofa_version(): string {}\n    function twofa_extra(): int {}", $stub),
    'a renamed parameter' => str_replace('int $last_step = -1', 'int $last = -1', $stub),
    'a parameter type' => str_replace('function twofa_totp_code(string $secret, int $time)', 'function twofa_totp_code(string $secret, string $time)', $stub),
    'a default' => str_replace('int $count = 10', 'int $count = 12', $stub),
    'a required parameter made optional' => str_replace('string $context): string {}', 'string $context = ""): string {}', $stub),
    'a return type' => str_replace('int $last_step = -1): int|false', 'int $last_step = -1): int', $stub),
    'a class only the extension has' => preg_replace('/class SealException extends Exception\s*\{\s*public function __construct\(\) \{\}\s*\}/', '', $stub),
    'a class parent' => str_replace('class KeyException extends Exception', 'class KeyException extends \Exception', $stub),
    'a method only the stub has' => str_replace('class KeyException extends Exception
    {', 'class KeyException extends Exception
    {
        public function extra(): void {}', $stub),
    'an ini default' => str_replace('@ini twofa.key_file ""', '@ini twofa.key_file "/etc/twofa/site.key"', $stub),
    'an ini entry only the stub has' => str_replace(' * @ini twofa.key_file', " * @ini twofa.other \"\" INI_ALL x\n * @ini twofa.key_file", $stub),
];
foreach ($variants as $label => $text) {
    if ($text === $stub) {
        echo "$label: the variant did not change the stub\n";
        continue;
    }
    file_put_contents($tmp, $text);
    $found = twofa_stub_differences($tmp);
    echo $label, ': ', count($found) > 0 ? 'noticed' : 'NOT noticed', "\n";
}
unlink($tmp);
?>
--EXPECT--
the stub and the extension agree
a function only the extension has: noticed
a function only the stub has: noticed
a renamed parameter: noticed
a parameter type: noticed
a default: noticed
a required parameter made optional: noticed
a return type: noticed
a class only the extension has: noticed
a class parent: noticed
a method only the stub has: noticed
an ini default: noticed
an ini entry only the stub has: noticed
