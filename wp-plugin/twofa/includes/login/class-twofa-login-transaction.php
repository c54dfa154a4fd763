<?php
/**
 * The second step's database transaction: a code is used up only together with the session.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Between accepting a code and storing the session, the database may go away. Done
 * as separate statements, the code (and the login nonce) would then be used up with
 * no session to show for it, and the retry of the same step would fail. So the second
 * step runs in one transaction: using up the nonce and the code, the bookkeeping of a
 * passed step, and the session token are committed together, or not at all (a
 * connection that is lost rolls its open transaction back on the server).
 *
 * wpdb reconnects by itself when a connection was lost; statements after that run
 * outside the transaction. commit() therefore checks that it still talks over the
 * connection that began the transaction, and reports failure otherwise.
 */
final class Twofa_Login_Transaction {

	/**
	 * CONNECTION_ID() of the connection that began the open transaction (0 = none open).
	 *
	 * @var int
	 */
	private static $connection = 0;

	/**
	 * Whether the last transaction was refused by a conflict (a deadlock or a Galera
	 * certification failure rolled all of it back), so the same step may simply run again.
	 *
	 * @var bool
	 */
	private static $conflict = false;

	/**
	 * Begins the transaction (nothing when one is open already).
	 */
	public static function begin(): void {
		global $wpdb;
		if ( self::$connection > 0 ) {
			return;
		}
		self::$conflict = false;
		// Each read sees what others committed, as without a transaction (Twofa_User_State reads before
		// inserting); the step's causal_reads() may have set that for the session already.
		if ( ! Twofa_User_State::session_read_committed() ) {
			$wpdb->query( 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED' );
		}
		if ( false === $wpdb->query( 'START TRANSACTION' ) ) {
			return;
		}
		self::$connection = self::connection_id();
		add_filter( 'query', array( __CLASS__, 'guard' ), PHP_INT_MAX );
	}

	/**
	 * Filter `query` while the transaction is open: once a statement of it failed with a
	 * conflict, no further statement runs until commit() or rollback(). A deadlock or a
	 * Galera brute-force abort rolls the whole transaction back, and a statement sent after
	 * that would run on its own and be kept — WordPress's session write, which replaces the
	 * user's stored sessions, would then drop the session of the request that won. The filter
	 * runs before wpdb sends the next statement, when the connection still reports the
	 * previous statement's error.
	 *
	 * @param string $query The statement.
	 * @return string The statement, or '' (wpdb then sends nothing and returns false).
	 */
	public static function guard( $query ) {
		if ( 0 === self::$connection ) {
			return $query;
		}
		self::note_error();
		return self::$conflict ? '' : $query;
	}

	/**
	 * Marks the conflict when the connection's last statement failed with one.
	 */
	private static function note_error(): void {
		global $wpdb;
		if ( $wpdb->dbh instanceof mysqli && in_array( (int) mysqli_errno( $wpdb->dbh ), Twofa_User_State::RETRY_ERRORS, true ) ) {
			self::$conflict = true;
		}
	}

	/**
	 * Ends the transaction's bookkeeping: no transaction open, the guard removed.
	 */
	private static function close(): void {
		self::$connection = 0;
		remove_filter( 'query', array( __CLASS__, 'guard' ), PHP_INT_MAX );
	}

	/**
	 * Whether a transaction is open.
	 */
	public static function is_open(): bool {
		return self::$connection > 0;
	}

	/**
	 * Commits. True only when everything since begin() was committed as one, on the
	 * connection that began it; false when the connection was lost on the way (what
	 * ran before was rolled back by the server) or the commit failed. True when no
	 * transaction was open.
	 */
	public static function commit(): bool {
		global $wpdb;
		if ( 0 === self::$connection ) {
			return true;
		}
		self::note_error();
		if ( self::$conflict ) {
			// Something of the step was refused by a conflict: none of it may be kept.
			self::rollback();
			return false;
		}
		$same = self::same_connection();
		self::close();
		if ( ! $same ) {
			return false;
		}
		// A deadlock or a Galera conflict (a brute-force abort by a replicated write) rolls the
		// whole transaction back at once, and a statement sent after it would run on its own,
		// making a COMMIT "succeed" with none of the step in it. Every statement since begin()
		// went through guard(), which sends none after a conflict, and note_error() above saw
		// the last one's error: no conflict here means the transaction is still whole.
		$suppress  = $wpdb->suppress_errors( true );
		$committed = false !== $wpdb->query( 'COMMIT' );
		$wpdb->suppress_errors( $suppress );
		if ( ! $committed ) {
			// Galera reports a certification failure at COMMIT as 1213: nothing of the step was kept.
			$errno          = $wpdb->dbh instanceof mysqli ? (int) mysqli_errno( $wpdb->dbh ) : 0;
			self::$conflict = in_array( $errno, Twofa_User_State::RETRY_ERRORS, true );
		}
		return $committed;
	}

	/**
	 * Notes that a statement of the open transaction was refused by a conflict.
	 */
	public static function mark_conflict(): void {
		if ( self::$connection > 0 ) {
			self::$conflict = true;
		}
	}

	/**
	 * Whether the last transaction ended in a conflict: it was rolled back whole, so the
	 * same request may run the step again (the nonce and the code are still live).
	 */
	public static function conflicted(): bool {
		return self::$conflict;
	}

	/**
	 * Rolls back (if the connection that began the transaction is still there).
	 */
	public static function rollback(): void {
		global $wpdb;
		if ( 0 === self::$connection ) {
			return;
		}
		$same = self::same_connection();
		// Closed first: the guard would hold back the ROLLBACK after a conflict.
		self::close();
		if ( $same ) {
			$wpdb->query( 'ROLLBACK' );
		}
	}

	/**
	 * Whether wpdb still uses the connection that began the transaction.
	 */
	private static function same_connection(): bool {
		return self::connection_id() === self::$connection;
	}

	/**
	 * The server's id of wpdb's current connection (CONNECTION_ID(), which mysqli
	 * knows from the handshake: no query), 0 when there is none.
	 */
	private static function connection_id(): int {
		global $wpdb;
		if ( $wpdb->dbh instanceof mysqli ) {
			return (int) $wpdb->dbh->thread_id;
		}
		return (int) $wpdb->get_var( 'SELECT CONNECTION_ID()' );
	}

	/**
	 * What the user is told when the step could not be committed.
	 */
	public static function retry_message(): string {
		return __( 'The site\'s database did not answer, so you are not logged in yet. Your code was not used up: enter it again.', 'twofa' );
	}
}
