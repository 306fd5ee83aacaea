#!/bin/sh
# redirect area: a local Location header, which httpd turns into an
# internal redirect to /redirect/dst/f.txt (no Status line: 200).
echo "X-Redirect-Cgi: yes"
echo "Location: /redirect/dst/f.txt"
echo
