#!/bin/sh
# resp area: exits without printing any header -> httpd answers 500.
exit 0
