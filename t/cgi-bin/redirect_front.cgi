#!/bin/sh
# redirect area: the front controller of the redirect_php vhost
# (FallbackResource /index.cgi), like an index.php.
echo "Content-Type: text/plain"
echo "X-Front: yes"
echo
echo "redirect front controller for ${REQUEST_URI:-}"
