/*
 * The browser's half of a passkey ceremony, shared by Configure 2FA and the login screens.
 * window.twofaWebauthn:
 * - supported(): whether this browser can create and use passkeys;
 * - create( optionsJson ) / get( optionsJson ): run navigator.credentials.create() / .get()
 *   with the options a begin returned ({"publicKey": {...}}, binary members base64url) and
 *   resolve to JSON.stringify() of the credential in the PublicKeyCredential.toJSON() shape
 *   (built by hand where toJSON or parse*OptionsFromJSON are missing). They reject with the
 *   browser's error (e.g. NotAllowedError when the user cancels).
 */
( function () {
	'use strict';

	function toBuffer( text ) {
		var b64 = String( text ).replace( /-/g, '+' ).replace( /_/g, '/' );
		while ( b64.length % 4 ) {
			b64 += '=';
		}
		var raw = window.atob( b64 );
		var out = new Uint8Array( raw.length );
		for ( var i = 0; i < raw.length; i++ ) {
			out[ i ] = raw.charCodeAt( i );
		}
		return out.buffer;
	}

	function toText( buffer ) {
		if ( ! buffer ) {
			return null;
		}
		var bytes = new Uint8Array( buffer );
		var raw = '';
		for ( var i = 0; i < bytes.length; i++ ) {
			raw += String.fromCharCode( bytes[ i ] );
		}
		return window.btoa( raw ).replace( /\+/g, '-' ).replace( /\//g, '_' ).replace( /=+$/, '' );
	}

	function descriptors( list ) {
		return ( list || [] ).map( function ( d ) {
			var copy = Object.assign( {}, d );
			copy.id = toBuffer( d.id );
			return copy;
		} );
	}

	function parse( optionsJson ) {
		var options = typeof optionsJson === 'string' ? JSON.parse( optionsJson ) : optionsJson;
		if ( ! options || typeof options.publicKey !== 'object' ) {
			throw new TypeError( 'twofa: options without publicKey' );
		}
		return options.publicKey;
	}

	function creationOptions( o ) {
		if ( window.PublicKeyCredential && typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function' ) {
			return PublicKeyCredential.parseCreationOptionsFromJSON( o );
		}
		var copy = Object.assign( {}, o );
		copy.challenge = toBuffer( o.challenge );
		copy.user = Object.assign( {}, o.user, { id: toBuffer( o.user.id ) } );
		copy.excludeCredentials = descriptors( o.excludeCredentials );
		return copy;
	}

	function requestOptions( o ) {
		if ( window.PublicKeyCredential && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function' ) {
			return PublicKeyCredential.parseRequestOptionsFromJSON( o );
		}
		var copy = Object.assign( {}, o );
		copy.challenge = toBuffer( o.challenge );
		copy.allowCredentials = descriptors( o.allowCredentials );
		return copy;
	}

	function serialize( credential ) {
		if ( typeof credential.toJSON === 'function' ) {
			try {
				return JSON.stringify( credential.toJSON() );
			} catch ( e ) {
				// Some browsers' toJSON throws on extension results: build it by hand.
			}
		}
		var r = credential.response;
		var response = { clientDataJSON: toText( r.clientDataJSON ) };
		if ( r.attestationObject ) {
			response.attestationObject = toText( r.attestationObject );
			response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
		} else {
			response.authenticatorData = toText( r.authenticatorData );
			response.signature = toText( r.signature );
			response.userHandle = toText( r.userHandle );
		}
		var extensions = {};
		try {
			extensions = credential.getClientExtensionResults() || {};
		} catch ( e ) {
			extensions = {};
		}
		return JSON.stringify( {
			id: credential.id,
			rawId: toText( credential.rawId ),
			type: credential.type,
			response: response,
			clientExtensionResults: extensions,
			authenticatorAttachment: credential.authenticatorAttachment || null,
		} );
	}

	window.twofaWebauthn = {
		supported: function () {
			return !! ( window.PublicKeyCredential && navigator.credentials && typeof navigator.credentials.create === 'function' && window.isSecureContext );
		},
		create: function ( optionsJson ) {
			return Promise.resolve().then( function () {
				return navigator.credentials.create( { publicKey: creationOptions( parse( optionsJson ) ) } );
			} ).then( serialize );
		},
		get: function ( optionsJson ) {
			return Promise.resolve().then( function () {
				return navigator.credentials.get( { publicKey: requestOptions( parse( optionsJson ) ) } );
			} ).then( serialize );
		},
	};
}() );
