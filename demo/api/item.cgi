#!/bin/sh
# /api/item.cgi: the demo's PUT endpoint. It reads the request body and
# answers with the method and the body's size.
#
# Like many backends it also sets its own "Access-Control-Allow-Origin: *".
# mod_cors removes it and sends its own answer, so the browser sees exactly
# one Access-Control-Allow-Origin line (see CorsPreserveBackendHeaders).
len=${CONTENT_LENGTH:-0}
case $len in
    ''|*[!0-9]*) len=0 ;;
esac
[ "$len" -gt 0 ] && head -c "$len" >/dev/null
printf 'Content-Type: application/json\r\n'
printf 'Access-Control-Allow-Origin: *\r\n'
printf '\r\n'
printf '{"message": "%s accepted", "bytes": %s}\n' "$REQUEST_METHOD" "$len"
