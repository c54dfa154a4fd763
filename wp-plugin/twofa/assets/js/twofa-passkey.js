/*
 * Passkey buttons on Configure 2FA ("Add a passkey": begin over admin-ajax, the browser's
 * dialog, finish with the name) and on the login screens (the challenge and first-login
 * setup: the options are in the form; the answer is posted as the code). Without WebAuthn
 * the buttons stay hidden and the page says why; the other methods stay offered.
 */
( function () {
	'use strict';

	var strings = window.twofaPasskey || {};
	var api = window.twofaWebauthn;

	function say( box, text ) {
		var status = box.querySelector( '.twofa-passkey-status' );
		if ( status ) {
			status.textContent = text;
		}
	}

	function post( url, fields ) {
		var body = new window.FormData();
		Object.keys( fields ).forEach( function ( k ) {
			body.append( k, fields[ k ] );
		} );
		return window.fetch( url, { method: 'POST', body: body, credentials: 'same-origin' } ).then( function ( r ) {
			return r.json().then( function ( json ) {
				if ( ! json || ! json.success ) {
					throw new Error( ( json && json.data && json.data.message ) || strings.failed );
				}
				return json.data;
			} );
		} );
	}

	function problem( box, error ) {
		var cancelled = error && ( error.name === 'NotAllowedError' || error.name === 'AbortError' );
		say( box, cancelled ? strings.cancelled : ( error && error.message ) || strings.failed );
	}

	function configure( box ) {
		var button = box.querySelector( '.twofa-passkey-add-button' );
		var nameField = box.querySelector( '#twofa-passkey-name' );
		var url = box.getAttribute( 'data-ajax' );
		var nonce = box.getAttribute( 'data-nonce' );
		button.hidden = false;
		button.addEventListener( 'click', function () {
			button.disabled = true;
			say( box, strings.waiting );
			var stateId = '';
			post( url, { action: strings.beginAct, _ajax_nonce: nonce } ).then( function ( data ) {
				stateId = data.state_id;
				return api.create( data.options );
			} ).then( function ( response ) {
				return post( url, {
					action: strings.finishAct,
					_ajax_nonce: nonce,
					state_id: stateId,
					response: response,
					name: nameField ? nameField.value : '',
				} );
			} ).then( function ( data ) {
				say( box, data.message );
				if ( String( data.redirect ).split( '#' )[ 0 ] === window.location.href.split( '#' )[ 0 ] ) {
					window.location.reload();
				} else {
					window.location.assign( data.redirect );
				}
			} ).catch( function ( error ) {
				button.disabled = false;
				problem( box, error );
			} );
		} );
	}

	function login( box ) {
		var form = box.closest( 'form' );
		var button = box.querySelector( '.twofa-passkey-start' );
		var field = form.querySelector( '.twofa-passkey-code' );
		var create = box.getAttribute( 'data-twofa-passkey' ) === 'create';
		var started = false;
		button.hidden = false;
		function start() {
			if ( started ) {
				return;
			}
			started = true;
			button.disabled = true;
			say( box, strings.waiting );
			var options = box.getAttribute( 'data-options' );
			( create ? api.create( options ) : api.get( options ) ).then( function ( response ) {
				field.value = box.getAttribute( 'data-state' ) + '.' + response;
				form.submit();
			} ).catch( function ( error ) {
				// The state can be tried once: a new attempt reloads the step for a fresh one.
				problem( box, error );
				button.disabled = false;
				button.addEventListener( 'click', function () {
					var show = form.querySelector( 'input[name="twofa_do"]' );
					show.value = 'show';
					form.submit();
				}, { once: true } );
			} );
		}
		button.addEventListener( 'click', start, { once: true } );
		if ( ! create ) {
			start();
		}
	}

	document.querySelectorAll( '[data-twofa-passkey]' ).forEach( function ( box ) {
		if ( ! api || ! api.supported() ) {
			var note = box.querySelector( '.twofa-passkey-unsupported' );
			if ( note ) {
				note.hidden = false;
			}
			return;
		}
		if ( box.getAttribute( 'data-twofa-passkey' ) === 'create' && box.hasAttribute( 'data-ajax' ) ) {
			configure( box );
		} else {
			login( box );
		}
	} );
}() );
