# Area "redirect": ordinary internal redirects (ap_internal_redirect,
# r->prev set: a per-directory RewriteRule, a CGI's local Location
# header, ErrorDocument) and subrequests (SSI include virtual). The section
# of the URL the browser asked for decides, for the preflight and the
# actual response; the target's only where that URL has no Cors directive
# at all. A subrequest never adds its own answer to the main response.
# Config: t/conf/redirect.conf.in; helpers: t/lib/CorsRedirect.pm.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsRedirect;

my @CASES = (
    # Per-directory RewriteRule to a local path.
    { name => 'RewriteRule, target in another Cors On section',
      url => '/redirect/rw/src.txt', code => 200, body => qr/redirect dst f/,
      policy => src_policy('rw'), other => $DST->{origin},
      target => '/redirect/dst/f.txt', target_policy => $DST },
    { name => 'RewriteRule, requested URL without Cors',
      url => '/redirect/rwnone/src.txt', code => 200, body => qr/redirect dst f/,
      policy => $DST,
      target => '/redirect/dst/f.txt', target_policy => $DST },

    # A CGI answering "Location: /redirect/dst/f.txt".
    { name => 'CGI local Location, target in another Cors On section',
      url => '/redirect/cgi/redirect_local.cgi', code => 200, body => qr/redirect dst f/,
      policy => src_policy('cgi'), other => $DST->{origin},
      target => '/redirect/dst/f.txt', target_policy => $DST },
    # The requested URL has no Cors: the target decides. The preflight runs
    # the CGI (nothing answers it before), and mod_cgid redirects as a GET;
    # the browser still needs the target's preflight answer, with any 2xx.
    { name => 'CGI local Location, requested URL without Cors',
      url => '/redirect/cginone/redirect_local.cgi', code => 200, body => qr/redirect dst f/,
      policy => $DST, pf_code => qr/^2\d\d$/,
      target => '/redirect/dst/f.txt', target_policy => $DST },

    # ErrorDocument pages in other sections.
    { name => 'ErrorDocument 404, page in another Cors On section',
      url => '/redirect/ed/missing.txt', code => 404, body => qr/redirect dst 404 page/,
      policy => src_policy('ed'), other => $DST->{origin},
      target => '/redirect/dst/404.html', target_policy => $DST },
    { name => 'ErrorDocument 403, page in another Cors On section',
      url => '/redirect/ed/denied/file.txt', code => 403, body => qr/redirect dst 403 page/,
      policy => src_policy('ed'), other => $DST->{origin},
      target => '/redirect/dst/403.html', target_policy => $DST },
    { name => 'ErrorDocument 404, page in a Cors Off section',
      url => '/redirect/edoff/missing.txt', code => 404, body => qr/redirect off 404 page/,
      policy => src_policy('edoff'),
      target => '/redirect/off/404.html', target_policy => undef },
    # (An OPTIONS for a missing file is answered 200 by httpd, not 404:
    # no ErrorDocument, no redirect, so nothing gives the preflight CORS.)
    { name => 'ErrorDocument 404, requested URL without Cors',
      url => '/redirect/ednone/missing.txt', code => 404, body => qr/redirect dst 404 page/,
      policy => $DST, pf_policy => undef, pf_code => 200,
      target => '/redirect/dst/404.html', target_policy => $DST },

    # SSI pages including files from /redirect/dst/ (Cors On, other
    # origin), /redirect/off/ and /redirect/plain/ by subrequests.
    { name => 'SSI include virtual, page in a Cors On section',
      url => '/redirect/ssi/page.shtml', code => 200,
      body => qr/redirect ssi page.*redirect dst part.*redirect off part.*redirect plain part/s,
      policy => src_policy('ssi'), other => $DST->{origin},
      target => '/redirect/dst/part.txt', target_policy => $DST },
    # The page without Cors: the included Cors On file adds nothing.
    { name => 'SSI include virtual, page without Cors',
      url => '/redirect/ssinone/page.shtml', code => 200,
      body => qr/redirect ssinone page.*redirect dst part/s,
      policy => undef, other => $DST->{origin}, pf_code => 200,
      target => '/redirect/dst/part.txt', target_policy => $DST },
);

plan tests => ASSERTIONS_PER_CASE * @CASES,
    need_module('cors', 'rewrite', 'include');

check_case(%$_) for @CASES;
