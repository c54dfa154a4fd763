<?php
/**
 * Plugin Name:       twofa — Two-Factor Authentication
 * Description:       Two-factor authentication (Google Authenticator and OTP over Email) backed by the twofa PHP extension and sidecar.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            twofa developers
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       twofa
 * Domain Path:       /languages
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

define( 'TWOFA_PLUGIN_VERSION', '0.1.0' );
define( 'TWOFA_PLUGIN_FILE', __FILE__ );
define( 'TWOFA_PLUGIN_DIR', __DIR__ );
// The oldest extension whose PHP API this plugin relies on.
define( 'TWOFA_MIN_EXTENSION_VERSION', '0.1.0' );

// Every hook of the plugin, added from one table, and the autoloader: no class loads until
// one of its hooks fires.
require __DIR__ . '/includes/class-twofa-hooks.php';
spl_autoload_register( array( 'Twofa_Hooks', 'autoload' ) );
Twofa_Hooks::register();
