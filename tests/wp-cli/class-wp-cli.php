<?php
/**
 * A small stand-in for WP-CLI's WP_CLI class, for running command classes inside a real
 * WordPress bootstrap in PHPUnit (WP-CLI itself cannot be installed here).
 *
 * It follows WP-CLI's documented behaviour where the plugin relies on it: success() prints
 * "Success: …" on STDOUT, warning() and error() print "Warning: …" / "Error: …" on STDERR,
 * error() ends the command with exit code 1, confirm() goes on only with --yes (or a scripted
 * "y"), halt() ends with the given code. Instead of printing and exiting, everything is
 * recorded and the end of a command is a WP_CLI\ExitException, so a test can look at both.
 */

namespace WP_CLI {

	/**
	 * Thrown where WP-CLI would exit (error(), halt(), a declined confirm()).
	 */
	class ExitException extends \Exception {
	}
}

namespace {

	/**
	 * Records output; dispatches `wp <command> <subcommand> …` lines to registered classes.
	 */
	class WP_CLI {

		/**
		 * Registered commands: name => class name or callable.
		 *
		 * @var array<string,mixed>
		 */
		public static $commands = array();

		/**
		 * Everything written to STDOUT since reset().
		 *
		 * @var string
		 */
		public static $stdout = '';

		/**
		 * Everything written to STDERR since reset().
		 *
		 * @var string
		 */
		public static $stderr = '';

		/**
		 * Answers for confirm(), used in order ('y' or anything else).
		 *
		 * @var string[]
		 */
		public static $answers = array();

		/**
		 * Clears recorded output and scripted answers.
		 */
		public static function reset(): void {
			self::$stdout  = '';
			self::$stderr  = '';
			self::$answers = array();
		}

		/**
		 * Registers a command.
		 *
		 * @param string $name     Command name, e.g. "twofa".
		 * @param mixed  $callable Class name, object or callable.
		 * @param array  $args     Ignored here (before_invoke etc.).
		 */
		public static function add_command( $name, $callable, $args = array() ) {
			self::$commands[ $name ] = $callable;
			return true;
		}

		/**
		 * A line on STDOUT.
		 *
		 * @param string $message Text.
		 */
		public static function line( $message = '' ) {
			self::$stdout .= $message . "\n";
		}

		/**
		 * Informational line on STDOUT (silenced by --quiet in WP-CLI).
		 *
		 * @param string $message Text.
		 */
		public static function log( $message ) {
			self::$stdout .= $message . "\n";
		}

		/**
		 * "Success: …" on STDOUT.
		 *
		 * @param string $message Text.
		 */
		public static function success( $message ) {
			self::$stdout .= 'Success: ' . $message . "\n";
		}

		/**
		 * "Warning: …" on STDERR.
		 *
		 * @param string $message Text.
		 */
		public static function warning( $message ) {
			self::$stderr .= 'Warning: ' . self::error_to_string( $message ) . "\n";
		}

		/**
		 * "Error: …" on STDERR, then exit 1 (or, with $exit false, carry on).
		 *
		 * @param string|WP_Error $message Text or WP_Error.
		 * @param bool|int        $exit    True (exit 1), false (go on) or an exit code.
		 * @throws WP_CLI\ExitException Where WP-CLI would exit.
		 */
		public static function error( $message, $exit = true ) {
			self::$stderr .= 'Error: ' . self::error_to_string( $message ) . "\n";
			if ( true === $exit ) {
				$exit = 1;
			}
			if ( false !== $exit ) {
				throw new WP_CLI\ExitException( self::error_to_string( $message ), (int) $exit );
			}
		}

		/**
		 * Asks a yes/no question; anything but "y" exits (code 0, as WP-CLI does). --yes skips it.
		 *
		 * @param string $question   Question.
		 * @param array  $assoc_args The command's associative arguments.
		 * @throws WP_CLI\ExitException When the answer is not "y".
		 */
		public static function confirm( $question, $assoc_args = array() ) {
			if ( WP_CLI\Utils\get_flag_value( $assoc_args, 'yes' ) ) {
				return;
			}
			self::$stdout .= $question . ' [y/n] ';
			$answer = strtolower( trim( (string) array_shift( self::$answers ) ) );
			self::$stdout .= $answer . "\n";
			if ( 'y' !== $answer ) {
				throw new WP_CLI\ExitException( 'not confirmed', 0 );
			}
		}

		/**
		 * Ends the command with an exit code.
		 *
		 * @param int $return_code Exit code.
		 * @throws WP_CLI\ExitException Always.
		 */
		public static function halt( $return_code ) {
			throw new WP_CLI\ExitException( 'halt', (int) $return_code );
		}

		/**
		 * Colour tokens (%g, %n, …) removed: output here is never a terminal.
		 *
		 * @param string $text Text with tokens.
		 */
		public static function colorize( $text ) {
			$text = str_replace( '%%', "\0", (string) $text );
			$text = (string) preg_replace( '/%[yYgGbBrRpPmMcCwWkKnN0-7_U8F9]/', '', $text );
			return str_replace( "\0", '%', $text );
		}

		/**
		 * WP-CLI's text for a WP_Error or string.
		 *
		 * @param mixed $message Text or WP_Error.
		 */
		public static function error_to_string( $message ) {
			if ( $message instanceof WP_Error ) {
				return implode( ' ', $message->get_error_messages() );
			}
			return (string) $message;
		}

		/**
		 * Runs `wp <argv…>` against the registered commands, the way WP-CLI dispatches: the
		 * first word is the command, the second the subcommand (a method, or the name given by
		 * its `@subcommand` tag; hyphens map to underscores; or a class registered under both
		 * words, like `twofa log`, whose __invoke runs), the docblock's `## OPTIONS`
		 * synopsis is checked (missing positional arguments, unknown or missing options,
		 * values outside `options:`) and its defaults are filled in.
		 *
		 * @param string[] $argv Words after `wp`, e.g. ['twofa', 'status', 'bob', '--format=json'].
		 * @return array{exit:int, stdout:string, stderr:string}
		 */
		public static function run( array $argv ): array {
			self::$stdout = '';
			self::$stderr = '';
			$exit         = 0;
			try {
				$command = array_shift( $argv );
				// A command registered under two words ("twofa log", "twofa policy"): a class with
				// __invoke, or a class whose methods are its subcommands ("twofa policy get").
				$sub = (string) array_shift( $argv );
				if ( isset( self::$commands[ "$command $sub" ] ) ) {
					$handler = self::$commands[ "$command $sub" ];
					$object  = is_string( $handler ) ? new $handler() : $handler;
					if ( method_exists( $object, '__invoke' ) ) {
						$method = new ReflectionMethod( $object, '__invoke' );
					} else {
						$command .= " $sub";
						$sub      = (string) array_shift( $argv );
						$method   = self::find_method( $object, $sub );
					}
				} else {
					if ( ! isset( self::$commands[ $command ] ) ) {
						self::error( "'$command' is not a registered wp command." );
					}
					$handler = self::$commands[ $command ];
					$object  = is_string( $handler ) ? new $handler() : $handler;
					$method  = self::find_method( $object, $sub );
				}
				if ( null === $method ) {
					self::error( "'$sub' is not a registered subcommand of '$command'. See 'wp help $command' for available subcommands." );
				}
				list( $args, $assoc ) = self::parse_argv( $argv );
				list( $args, $assoc ) = self::apply_synopsis( $method, $args, $assoc, "$command $sub" );
				$method->invoke( $object, $args, $assoc );
			} catch ( WP_CLI\ExitException $e ) {
				$exit = $e->getCode();
			}
			return array(
				'exit'   => $exit,
				'stdout' => self::$stdout,
				'stderr' => self::$stderr,
			);
		}

		/**
		 * The public method implementing a subcommand.
		 *
		 * @param object $object Command object.
		 * @param string $sub    Subcommand as typed.
		 */
		private static function find_method( $object, string $sub ): ?ReflectionMethod {
			if ( '' === $sub ) {
				return null;
			}
			$class = new ReflectionClass( $object );
			foreach ( $class->getMethods( ReflectionMethod::IS_PUBLIC ) as $m ) {
				if ( $m->isStatic() || $m->isConstructor() || 0 === strpos( $m->getName(), '__' ) ) {
					continue;
				}
				$doc = (string) $m->getDocComment();
				if ( preg_match( '/@subcommand\s+(\S+)/', $doc, $tag ) ) {
					if ( $tag[1] === $sub ) {
						return $m;
					}
					continue;
				}
				if ( str_replace( '_', '-', $m->getName() ) === $sub ) {
					return $m;
				}
			}
			return null;
		}

		/**
		 * Splits words into positional and associative arguments as WP-CLI does.
		 *
		 * @param string[] $argv Words.
		 * @return array{0: string[], 1: array<string,mixed>}
		 */
		public static function parse_argv( array $argv ): array {
			$args  = array();
			$assoc = array();
			foreach ( $argv as $word ) {
				if ( preg_match( '/^--no-([a-z0-9_-]+)$/i', $word, $m ) ) {
					$assoc[ $m[1] ] = false;
				} elseif ( preg_match( '/^--([a-z0-9_-]+)=(.*)$/is', $word, $m ) ) {
					$assoc[ $m[1] ] = $m[2];
				} elseif ( preg_match( '/^--([a-z0-9_-]+)$/i', $word, $m ) ) {
					$assoc[ $m[1] ] = true;
				} else {
					$args[] = $word;
				}
			}
			return array( $args, $assoc );
		}

		/**
		 * Checks arguments against the method's `## OPTIONS` and fills in defaults.
		 *
		 * @param ReflectionMethod     $method Method.
		 * @param string[]             $args   Positional arguments.
		 * @param array<string,mixed>  $assoc  Associative arguments.
		 * @param string               $name   "command sub" for messages.
		 * @return array{0: string[], 1: array<string,mixed>}
		 * @throws WP_CLI\ExitException On a synopsis violation.
		 */
		private static function apply_synopsis( ReflectionMethod $method, array $args, array $assoc, string $name ): array {
			$spec = self::synopsis( (string) $method->getDocComment() );
			if ( null === $spec ) {
				return array( $args, $assoc );
			}
			$positional_count = 0;
			$repeating        = false;
			$known            = array();
			$generic          = false;
			foreach ( $spec as $param ) {
				if ( 'positional' === $param['type'] ) {
					if ( $param['repeating'] ) {
						$repeating = true;
					}
					if ( ! $param['optional'] && count( $args ) <= $positional_count ) {
						self::error( "Missing required positional argument: <{$param['name']}>. Usage: wp $name" );
					}
					++$positional_count;
					continue;
				}
				if ( 'generic' === $param['type'] ) {
					$generic = true;
					continue;
				}
				$known[ $param['name'] ] = true;
				$present                 = array_key_exists( $param['name'], $assoc );
				if ( ! $present && null !== $param['default'] ) {
					$assoc[ $param['name'] ] = $param['default'];
					$present                 = true;
				}
				if ( ! $present && ! $param['optional'] ) {
					self::error( "Parameter errors:\n missing --{$param['name']} parameter" );
				}
				if ( $present && $param['options'] && 'assoc' === $param['type'] && ! in_array( (string) $assoc[ $param['name'] ], $param['options'], true ) ) {
					self::error( "Parameter errors:\n Invalid value specified for '{$param['name']}'. Expected one of: " . implode( ', ', $param['options'] ) );
				}
				if ( $present && 'assoc' === $param['type'] && true === $assoc[ $param['name'] ] ) {
					self::error( "Parameter errors:\n --{$param['name']} parameter needs a value" );
				}
			}
			if ( ! $repeating && count( $args ) > $positional_count ) {
				self::error( 'Too many positional arguments: ' . implode( ' ', array_slice( $args, $positional_count ) ) );
			}
			if ( ! $generic ) {
				foreach ( array_keys( $assoc ) as $key ) {
					if ( ! isset( $known[ $key ] ) ) {
						self::error( "Parameter errors:\n unknown --$key parameter" );
					}
				}
			}
			return array( $args, $assoc );
		}

		/**
		 * Parses a docblock's `## OPTIONS` section; null when it has none.
		 *
		 * @param string $doc Docblock.
		 * @return array<int,array<string,mixed>>|null
		 */
		public static function synopsis( string $doc ): ?array {
			$lines = array();
			foreach ( explode( "\n", $doc ) as $line ) {
				$lines[] = preg_replace( '#^\s*/?\*+/?\s?#', '', rtrim( $line ) );
			}
			$text = implode( "\n", $lines );
			if ( ! preg_match( '/## OPTIONS\n(.*?)(?:\n## |\z)/s', $text, $m ) ) {
				return null;
			}
			$params = array();
			$last   = null;
			$in_yaml = false;
			foreach ( explode( "\n", $m[1] ) as $line ) {
				if ( '---' === trim( $line ) ) {
					$in_yaml = ! $in_yaml;
					continue;
				}
				if ( $in_yaml && null !== $last ) {
					if ( preg_match( '/^default:\s*(.*)$/', trim( $line ), $d ) ) {
						$params[ $last ]['default'] = trim( $d[1], '"\'' );
					} elseif ( preg_match( '/^-\s*(.+)$/', trim( $line ), $o ) ) {
						$params[ $last ]['options'][] = trim( $o[1], '"\'' );
					}
					continue;
				}
				$token = trim( $line );
				$opt   = false;
				if ( preg_match( '/^\[(.*)\]$/', $token, $b ) ) {
					$opt   = true;
					$token = $b[1];
				}
				$param = null;
				if ( preg_match( '/^<([a-z0-9_-]+)>(\.\.\.)?$/i', $token, $p ) ) {
					$param = array( 'type' => 'positional', 'name' => $p[1], 'repeating' => ! empty( $p[2] ) );
				} elseif ( preg_match( '/^--([a-z0-9_-]+)=<[^>]+>$/i', $token, $p ) ) {
					$param = array( 'type' => 'assoc', 'name' => $p[1], 'repeating' => false );
				} elseif ( preg_match( '/^--([a-z0-9_-]+)$/i', $token, $p ) ) {
					$param = array( 'type' => 'flag', 'name' => $p[1], 'repeating' => false );
				} elseif ( preg_match( '/^--<field>=<value>$/', $token ) ) {
					$param = array( 'type' => 'generic', 'name' => '', 'repeating' => false );
				}
				if ( null !== $param ) {
					$param['optional'] = $opt || 'flag' === $param['type'];
					$param['default']  = null;
					$param['options']  = array();
					$params[]          = $param;
					$last              = count( $params ) - 1;
				}
			}
			return $params;
		}
	}
}
