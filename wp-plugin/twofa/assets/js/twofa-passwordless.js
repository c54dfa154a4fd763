/*
 * "Log in with a passkey" on wp-login.php (Twofa_Passwordless): begin by fetch (the state id
 * comes back as an HttpOnly cookie), the browser's passkey dialog through window.twofaWebauthn,
 * then the assertion posted as a plain form, so the server answers with the usual redirect.
 */
( function () {
	'use strict';

	var box = document.getElementById( 'twofa-passwordless' );
	if ( ! box ) {
		return;
	}
	var button = box.querySelector( 'button' );
	var status = box.querySelector( '.twofa-passwordless-status' );
	var webauthn = window.twofaWebauthn;

	if ( ! webauthn || ! webauthn.supported() ) {
		status.textContent = box.getAttribute( 'data-unsupported' );
		return;
	}
	// The hook prints the box inside the password form; it belongs below it.
	var login = document.getElementById( 'loginform' );
	if ( login && login.contains( box ) ) {
		login.parentNode.insertBefore( box, login.nextSibling );
	}
	button.hidden = false;

	function field( form, name, value ) {
		var input = document.createElement( 'input' );
		input.type = 'hidden';
		input.name = name;
		input.value = value;
		form.appendChild( input );
	}

	function finish( response ) {
		var redirect = login ? login.querySelector( 'input[name="redirect_to"]' ) : null;
		var remember = document.getElementById( 'rememberme' );
		var form = document.createElement( 'form' );
		form.method = 'post';
		form.action = box.getAttribute( 'data-action' );
		form.hidden = true;
		field( form, 'twofa_do', 'finish' );
		field( form, 'twofa_response', response );
		if ( redirect ) {
			field( form, 'redirect_to', redirect.value );
		}
		if ( remember && remember.checked ) {
			field( form, 'rememberme', 'forever' );
		}
		document.body.appendChild( form );
		form.submit();
	}

	button.addEventListener( 'click', function () {
		var body = new URLSearchParams();
		body.set( 'twofa_do', 'begin' );
		button.disabled = true;
		status.textContent = '';
		window.fetch( box.getAttribute( 'data-action' ), { method: 'POST', credentials: 'same-origin', body: body } )
			.then( function ( r ) {
				return r.json().catch( function () {
					return {};
				} ).then( function ( json ) {
					if ( ! r.ok || ! json.options ) {
						throw new Error( json.message || box.getAttribute( 'data-failed' ) );
					}
					return json.options;
				} );
			} )
			.then( function ( options ) {
				return webauthn.get( options ).catch( function () {
					throw new Error( box.getAttribute( 'data-cancelled' ) );
				} );
			} )
			.then( finish )
			.catch( function ( err ) {
				status.textContent = err && err.message ? err.message : box.getAttribute( 'data-failed' );
				button.disabled = false;
			} );
	} );
}() );
