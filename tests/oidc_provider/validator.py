"""The provider's claims, and the faults the refusal tests ask of it. A user in the group
"unverified" has email_verified false; an application's name picks a faulty ID token: another
issuer, another audience, already expired, another nonce, or signed by a key that is not the
provider's (with the provider's key id, so only the signature gives it away)."""

import base64
import json
import time

from jwcrypto import jwk, jws
from oauth2_provider.oauth2_validators import OAuth2Validator


class TestValidator(OAuth2Validator):
    def get_additional_claims(self, request):
        user = request.user
        return {"email": user.email, "email_verified": not user.groups.filter(name="unverified").exists()}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        fault = request.client.name
        if fault == "wrong-issuer":
            claims["iss"] = "http://127.0.0.1:9/another-issuer"
        elif fault == "wrong-audience":
            claims["aud"] = "another-client"
        elif fault == "expired":
            claims["exp"] = int(time.time()) - 600
        elif fault == "wrong-nonce":
            claims["nonce"] = "not-this-sign-ins-nonce"
        return claims, expiration

    def finalize_id_token(self, id_token, token, token_handler, request):
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        if request.client.name != "forged-signature":
            return signed
        header_b64, payload_b64, _ = signed.split(".")
        header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
        payload = base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4))
        forged = jws.JWS(payload)
        forged.add_signature(jwk.JWK.generate(kty="RSA", size=2048), alg="RS256", protected=json.dumps(header))
        return forged.serialize(compact=True)
