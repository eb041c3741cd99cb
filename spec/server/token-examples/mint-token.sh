#!/usr/bin/env bash
# Prints an rx-rtm token (a JWT signed with HS256) for a user of an app.
# Usage: RTM_APP_SECRET=… mint-token.sh <app-id> <uid> [lifetime-seconds, default 3600]
# openssl sees the secret among its arguments while it runs: on a shared
# machine, prefer a JWT library.
set -euo pipefail

app_id=$1
uid=$2
lifetime=${3:-3600}
secret=${RTM_APP_SECRET:?RTM_APP_SECRET must hold the app secret}

# base64url without padding (RFC 7515), from stdin.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
# A JSON string: uids never hold " or \, but an app id might.
json_string() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }

now=$(date +%s)
header=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64url)
payload=$(printf '{"sub":%s,"aud":%s,"iat":%d,"exp":%d}' "$(json_string "$uid")" "$(json_string "$app_id")" "$now" "$((now + lifetime))" | b64url)
signature=$(printf '%s' "$header.$payload" | openssl dgst -sha256 -hmac "$secret" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
