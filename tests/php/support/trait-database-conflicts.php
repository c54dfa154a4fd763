<?php
/**
 * A database that refuses a statement the way Galera refuses a lost certification (or InnoDB
 * a deadlock): a real trigger that SIGNALs SQLSTATE '40001' with error 1213 on one user's rows.
 */

/**
 * Mixed into the tests of "try again" (call drop_triggers() in tearDown()).
 */
trait Database_Conflicts {

	/**
	 * Triggers made by the test.
	 *
	 * @var string[]
	 */
	private $triggers = array();

	/**
	 * Makes every $event of one user's rows of $table (where $also holds) fail like a deadlock.
	 *
	 * @param string $table   Table with a user_id column.
	 * @param string $event   INSERT|UPDATE|DELETE.
	 * @param int    $user_id User ID.
	 * @param string $also    More of the condition ('' for none), naming the row's columns ROW.name.
	 */
	protected function conflict_on_rows( string $table, string $event, int $user_id, string $also = '' ): void {
		global $wpdb;
		$row  = 'DELETE' === $event ? 'OLD' : 'NEW';
		$name = 'twofa_test_conflict_' . strtolower( $event ) . '_' . $user_id . '_' . count( $this->triggers );
		$when = $wpdb->prepare( "{$row}.user_id = %d", $user_id ) . ( '' !== $also ? ' AND ' . str_replace( 'ROW.', $row . '.', $also ) : '' );
		$sql  = "CREATE TRIGGER {$name} BEFORE {$event} ON {$table} FOR EACH ROW BEGIN IF {$when} THEN SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found when trying to get lock; try restarting transaction'; END IF; END";
		$this->assertNotFalse( $wpdb->query( $sql ), 'trigger created: ' . $wpdb->last_error ); // phpcs:ignore WordPress.DB.PreparedSQL
		$this->triggers[] = $name;
	}

	protected function drop_triggers(): void {
		global $wpdb;
		foreach ( $this->triggers as $name ) {
			$wpdb->query( "DROP TRIGGER IF EXISTS {$name}" ); // phpcs:ignore WordPress.DB.PreparedSQL
		}
		$this->triggers = array();
	}
}
