#!/bin/sh
# defects area: says which Origin the handler saw (RequestHeader edits
# happen before it runs).
echo "Content-Type: text/plain"
echo
echo "origin=${HTTP_ORIGIN:-none}"
