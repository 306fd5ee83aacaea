# Area "redirect": fast internal redirects (ap_internal_fast_redirect, which
# swaps in the target's per-directory config without setting r->prev):
# FallbackResource, DirectoryIndex, MultiViews. The section of the URL the
# browser asked for decides, for the preflight and the actual response;
# the target's only where that URL has no Cors directive at all.
# Config: t/conf/redirect.conf.in; helpers: t/lib/CorsRedirect.pm.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsRedirect;

# Policies of the targets' sections other than /redirect/dst/.
my $IDX   = { origin => 'https://idx.example', expose => 'X-Idx',
              methods => 'PUT, DELETE', max_age => 99 };
my $FILES = { origin => 'https://files.example', expose => 'X-Files',
              methods => 'PUT, DELETE', max_age => 99 };

my @CASES = (
    # FallbackResource in a Cors On <Location>.
    { name => 'FallbackResource, target in another Cors On section',
      url => '/redirect/fb/users/1', code => 200, body => qr/redirect dst front/,
      policy => src_policy('fb'), other => $DST->{origin},
      target => '/redirect/dst/front.txt', target_policy => $DST },
    { name => 'FallbackResource, target in a Cors Off section',
      url => '/redirect/fboff/users/1', code => 200, body => qr/redirect off front/,
      policy => src_policy('fboff'),
      target => '/redirect/off/front.txt', target_policy => undef },
    { name => 'FallbackResource, target without Cors',
      url => '/redirect/fbplain/users/1', code => 200, body => qr/redirect plain front/,
      policy => src_policy('fbplain'),
      target => '/redirect/plain/front.txt', target_policy => undef },
    # The requested URL says Cors Off: no CORS, though the target has Cors On.
    # OPTIONS then reaches the handler, which answers 200 (with Allow).
    { name => 'FallbackResource, requested URL Cors Off',
      url => '/redirect/fbsrcoff/users/1', code => 200, body => qr/redirect dst front/,
      policy => undef, other => $DST->{origin}, pf_code => 200,
      target => '/redirect/dst/front.txt', target_policy => $DST },
    # The requested URL has no Cors directive: the target decides, the
    # preflight included (answered by mod_cors: CorsAutomaticOptions On in
    # the target, so 204 and the handler never sees it).
    { name => 'FallbackResource, requested URL without Cors',
      url => '/redirect/fbsrcnone/users/1', code => 200, body => qr/redirect dst front/,
      policy => $DST, pf_code => qr/^2\d\d$/,
      target => '/redirect/dst/front.txt', target_policy => $DST },

    # <LocationMatch> + DirectoryIndex; the index file in another LocationMatch.
    { name => 'LocationMatch + DirectoryIndex',
      url => '/redirect/lm/items/', code => 200, body => qr/redirect lm idx/,
      policy => src_policy('lm'), other => $IDX->{origin},
      target => '/redirect/lm/items/idx.txt', target_policy => $IDX },

    # FallbackResource at virtual host level, Cors On only in <Location /api/>,
    # a CGI front controller (the index.php shape).
    { name => 'vhost FallbackResource, front controller, /api/',
      url => vhost_url(redirect_php => '/api/users/1'), code => 200,
      body => qr{front controller for /api/users/1},
      policy => src_policy('app'),
      target => vhost_url(redirect_php => '/index.cgi'), target_policy => undef },
    # ... and outside /api/ nothing has Cors: no CORS at all, OPTIONS goes
    # to the front controller.
    { name => 'vhost FallbackResource, outside /api/',
      url => vhost_url(redirect_php => '/other/1'), code => 200,
      body => qr{front controller for /other/1},
      policy => undef, other => 'https://app.example', pf_code => 200,
      target => vhost_url(redirect_php => '/index.cgi'), target_policy => undef },

    # MultiViews: the negotiated variant in a <Files> with other settings.
    { name => 'MultiViews, variant in a Files section with other origins',
      url => '/redirect/mv/doc', code => 200, body => qr/redirect mv doc/,
      policy => src_policy('mv'), other => $FILES->{origin},
      target => '/redirect/mv/doc.txt', target_policy => $FILES },
    { name => 'MultiViews, variant in a Files section with Cors Off',
      url => '/redirect/mv/offdoc', code => 200, body => qr/redirect mv offdoc/,
      policy => src_policy('mv'),
      target => '/redirect/mv/offdoc.txt', target_policy => undef },
);

plan tests => ASSERTIONS_PER_CASE * @CASES,
    need_module('cors', 'dir', 'negotiation');

check_case(%$_) for @CASES;
