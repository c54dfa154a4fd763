--TEST--
twofa_qr_svg: inline SVG without XML prolog; empty and oversized text refused
--EXTENSIONS--
twofa
dom
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$svg = twofa_qr_svg(twofa_totp_uri(RFC_SECRET, 'alice@example.com', 'Blog'));
var_dump(str_starts_with($svg, '<svg xmlns="http://www.w3.org/2000/svg"'));
var_dump(str_ends_with($svg, '</svg>'));
var_dump(str_contains($svg, '<?xml'));
// It parses as XML with an <svg> root of at least 200 pixels and one path of dark modules.
$doc = new DOMDocument();
var_dump($doc->loadXML($svg));
$root = $doc->documentElement;
echo $root->localName, ' ', (int) $root->getAttribute('width') >= 200 ? 'wide enough' : 'too small', "\n";
echo $doc->getElementsByTagName('path')->length, " path\n";
// Deterministic for the same text.
var_dump($svg === twofa_qr_svg(twofa_totp_uri(RFC_SECRET, 'alice@example.com', 'Blog')));
var_dump(strlen(twofa_qr_svg(str_repeat('x', 2048))) > 0);
attempt('empty', fn () => twofa_qr_svg(''));
attempt('too long', fn () => twofa_qr_svg(str_repeat('x', 2049)));
attempt('huge', fn () => twofa_qr_svg(str_repeat("\0", 10000000)));
attempt_class('binary', fn () => twofa_qr_svg(random_bytes(1000)));
?>
--EXPECT--
bool(true)
bool(true)
bool(false)
bool(true)
svg wide enough
1 path
bool(true)
bool(true)
empty: Twofa\ArgumentException: invalid text: must not be empty
too long: Twofa\ArgumentException: text is too large: 2049 bytes, at most 2048
huge: Twofa\ArgumentException: text is too large: 10000000 bytes, at most 2048
binary: returned string
