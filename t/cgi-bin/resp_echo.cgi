#!/bin/sh
# resp area: a CGI that sets its own headers, chosen by words in the query
# string (separated by &): cors, cors-origin, vary, vary-origin, status500.
for word in $(echo "${QUERY_STRING:-}" | tr '&' ' '); do
    case "$word" in
        cors)
            echo "Access-Control-Allow-Origin: *"
            echo "Access-Control-Allow-Credentials: true"
            echo "Access-Control-Expose-Headers: X-Backend"
            ;;
        cors-origin)
            echo "Access-Control-Allow-Origin: https://cgi.example"
            ;;
        vary)
            echo "Vary: Accept-Encoding"
            ;;
        vary-origin)
            echo "Vary: Origin, Accept-Encoding"
            ;;
        status500)
            echo "Status: 500 Backend Failed"
            ;;
    esac
done
echo "X-Backend: cgi"
echo "Content-Type: text/plain"
echo
echo "resp cgi body"
