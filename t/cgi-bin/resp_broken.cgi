#!/bin/sh
# resp area: prints something that is not a header -> httpd answers 500.
echo "this is not a header line"
echo
echo "body"
