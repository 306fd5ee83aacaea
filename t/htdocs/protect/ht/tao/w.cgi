#!/bin/sh
# protect area: the CGI of t/cgi-bin, in a directory with an .htaccess.
exec "${DOCUMENT_ROOT%/}/../cgi-bin/protect_write.cgi"
