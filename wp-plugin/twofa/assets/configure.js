/*
 * Configure 2FA: small improvements on top of plain forms that work without it.
 * - code fields keep digits only (no auto-submit: users should see what they typed),
 *   and the code field is focused when a step opens;
 * - a "Copy key" button next to the setup key;
 * - the Send OTP button counts down its cooldown;
 * - Remove asks once more.
 */
( function () {
	'use strict';

	var strings = window.twofaConfigure || {};

	document.querySelectorAll( '.twofa-configure .twofa-code' ).forEach( function ( field ) {
		field.addEventListener( 'input', function () {
			var digits = field.value.replace( /[^0-9]/g, '' ).slice( 0, 6 );
			if ( digits !== field.value ) {
				field.value = digits;
			}
		} );
	} );

	var first = document.querySelector( '.twofa-configure .twofa-verify-form .twofa-code' );
	if ( first ) {
		first.focus();
	}

	var secret = document.getElementById( 'twofa-secret' );
	if ( secret && navigator.clipboard ) {
		var copy = document.createElement( 'button' );
		copy.type = 'button';
		copy.className = 'button button-small';
		copy.textContent = strings.copy || 'Copy key';
		copy.addEventListener( 'click', function () {
			navigator.clipboard.writeText( secret.textContent.replace( /\s+/g, '' ) ).then( function () {
				announce( strings.copied || 'Key copied.' );
			} );
		} );
		secret.parentNode.appendChild( document.createTextNode( ' ' ) );
		secret.parentNode.appendChild( copy );
	}

	document.querySelectorAll( '.twofa-configure button[data-cooldown]' ).forEach( function ( button ) {
		var left = parseInt( button.getAttribute( 'data-cooldown' ), 10 );
		var note = button.parentNode.querySelector( '.twofa-cooldown' );
		if ( ! ( left > 0 ) ) {
			return;
		}
		button.disabled = true;
		var timer = window.setInterval( function () {
			left -= 1;
			if ( left <= 0 ) {
				window.clearInterval( timer );
				button.disabled = false;
				if ( note ) {
					note.parentNode.removeChild( note );
				}
			} else if ( note ) {
				note.textContent = note.textContent.replace( /\d+/, String( left ) );
			}
		}, 1000 );
	} );

	document.querySelectorAll( '.twofa-configure .twofa-remove-form' ).forEach( function ( form ) {
		form.addEventListener( 'submit', function ( event ) {
			if ( strings.confirmRemove && ! window.confirm( strings.confirmRemove ) ) {
				event.preventDefault();
			}
		} );
	} );

	function announce( text ) {
		var region = document.getElementById( 'twofa-messages' );
		if ( ! region ) {
			return;
		}
		var notice = document.createElement( 'div' );
		notice.className = 'notice notice-info inline';
		var p = document.createElement( 'p' );
		p.textContent = text;
		notice.appendChild( p );
		region.appendChild( notice );
	}
}() );
