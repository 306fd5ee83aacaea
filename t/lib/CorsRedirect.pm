package CorsRedirect;
# Helpers of the "redirect" test area (t/redirect_*.t, config
# t/conf/redirect.conf.in): one table row per internal-redirect case, each
# checked with an allowed origin, a refused origin, no Origin and two
# preflights, on the full set of Access-Control-* lines, Vary: Origin and
# the number of mod_cors decisions in the error_log.
use strict;
use warnings;

use Apache::Test qw(-withtestmore);
use CorsTest;
use Exporter 'import';

our @EXPORT = qw(src_policy $DST $EVIL check_case cors_decisions vhost_url
                 ASSERTIONS_PER_CASE);

# The policy of a requested URL's section in redirect.conf.in: Cors On,
# CorsOrigins https://NAME.example, CorsExposeHeaders X-Name, CorsMethods
# GET PUT, CorsMaxAge 600, no credentials.
sub src_policy {
    my ($name) = @_;
    return { origin => "https://$name.example", expose => 'X-' . ucfirst $name,
             methods => 'GET, PUT', max_age => 600 };
}

# /redirect/dst/, the usual redirect target: another
# origin, other methods and max age, credentials.
our $DST = { origin => 'https://dst.example', expose => 'X-Dst',
             methods => 'PUT, DELETE', max_age => 99, cred => 1 };

# Allowed nowhere.
our $EVIL = 'https://evil.example';

# The preflight every case sends (PUT is allowed by both kinds of policy).
my ($PF_METHOD, $PF_HEADER) = ('PUT', 'X-Req');

# (response, number of mod_cors decisions logged while $code ran). With
# LogLevel cors:debug every decision logs one "allowed by" or "refused in".
sub cors_decisions {
    my ($code) = @_;
    my $mark = error_log_mark();
    my $res = $code->();
    my $n = grep { /\[cors:debug\].* (?:allowed by|refused in) / }
            split /\n/, error_log_since($mark);
    return ($res, $n);
}

# Absolute URL of $path on the Apache::Test vhost $vhost.
sub vhost_url {
    my ($vhost, $path) = @_;
    return 'http://' . Apache::Test::config()->{vhosts}{$vhost}{hostport} . $path;
}

# The Access-Control-* lines expected on an actual response granted by $p.
sub actual_lines {
    my ($p) = @_;
    return sort +("$ACAO: $p->{origin}",
                  ($p->{cred}   ? "$ACAC: true"           : ()),
                  ($p->{expose} ? "$ACEH: $p->{expose}"   : ()));
}

# ... and on a granted preflight (PUT, X-Req).
sub preflight_lines {
    my ($p) = @_;
    return sort +("$ACAO: $p->{origin}",
                  ($p->{cred} ? "$ACAC: true" : ()),
                  "$ACAM: $p->{methods}",
                  "$ACAH: " . lc $PF_HEADER,
                  (defined $p->{max_age} ? "$ACMA: $p->{max_age}" : ()));
}

# One assertion: the status is $want (a number, or a qr// such as 2xx).
sub status_is {
    my ($res, $want, $name) = @_;
    return ref $want ? like($res->code, $want, "$name: status matches $want")
                     : is($res->code, $want, "$name: status $want");
}

use constant ASSERTIONS_PER_CASE => 21;

# check_case(
#     name   => 'short name used in every assertion name',
#     url    => path on the main server or absolute URL (a redirected one),
#     code   => status of the actual response (200, 404, ...),
#     body   => qr/what the redirect target serves/ (proves the redirect),
#     policy => the policy that must decide (src_policy(...) or $DST), or
#               undef where the requested URL says Cors Off: no CORS at all,
#     other  => an origin allowed only by the section that must NOT decide
#               (default $EVIL): refused (where policy is undef: the origin
#               tried first; the refused one is then $EVIL),
#     pf_code => status of the preflights (default 204: mod_cors answers;
#               where no CORS applies, whatever httpd answers to OPTIONS;
#               a qr// where any 2xx will do),
#     pf_policy => the policy that must decide the preflights, where it is
#               not policy (undef: none),
#     target => URL of the redirect target (absolute, or on the main server),
#     target_policy => the policy of the target's own section (undef: none),
# );
# Six requests, ASSERTIONS_PER_CASE assertions.
sub check_case {
    my %c = @_;
    my $n      = $c{name};
    my $p      = $c{policy};
    my $other  = $c{other} // $EVIL;
    my $decide = $p ? 1 : 0;           # decisions logged per request
    my $vary   = $p ? 1 : 0;           # Vary: Origin tokens
    my $pfcode = $c{pf_code} // 204;
    my $pp     = exists $c{pf_policy} ? $c{pf_policy} : $p;
    my $pfdec  = $pp ? 1 : 0;          # the same for the preflights
    # The origin to try first: the deciding policy's; where no CORS
    # applies, the one the other section would allow. Then a refused one.
    my $origin = $p ? $p->{origin} : $other;
    $other = $EVIL unless $p;
    my ($res, $d);

    # An allowed origin (where no CORS applies: the other section's one).
    ($res, $d) = cors_decisions(sub { cors_request(GET => $c{url}, $origin) });
    is $res->code, $c{code}, "$n: GET $origin: status $c{code}";
    like $res->content, $c{body}, "$n: GET $origin: served by the redirect target";
    is_deeply [sort +cors_lines($res)], [$p ? actual_lines($p) : ()],
        "$n: GET $origin: " . ($p ? "exactly the answer of $p->{origin}'s section"
                                  : 'no Access-Control-* (no Cors On decides)');
    is vary_origin($res), $vary, "$n: GET $origin: Vary: Origin $vary time(s)";
    is $d, $decide, "$n: GET $origin: $decide CORS decision(s) logged";

    # A refused origin (allowed by the section that must not decide).
    ($res, $d) = cors_decisions(sub { cors_request(GET => $c{url}, $other) });
    is $res->code, $c{code}, "$n: GET $other: status $c{code}";
    is_deeply [cors_lines($res)], [], "$n: GET $other: refused, no Access-Control-*";
    is vary_origin($res), $vary, "$n: GET $other: Vary: Origin $vary time(s)";
    is $d, $decide, "$n: GET $other: $decide CORS decision(s) logged";

    # No Origin: every policy here is one exact origin, so CorsAlwaysSend
    # (default On) answers with it.
    ($res, $d) = cors_decisions(sub { cors_request(GET => $c{url}, undef) });
    is_deeply [sort +cors_lines($res)], [$p ? actual_lines($p) : ()],
        "$n: GET without Origin: " . ($p ? "the one origin of $p->{origin}'s section"
                                         : 'no Access-Control-*');
    is vary_origin($res), $vary, "$n: GET without Origin: Vary: Origin $vary time(s)";
    is $d, $decide, "$n: GET without Origin: $decide CORS decision(s) logged";

    # Preflight from the allowed origin (as above), then the refused one.
    ($res, $d) = cors_decisions(sub { preflight($c{url}, $origin, $PF_METHOD, $PF_HEADER) });
    status_is($res, $pfcode, "$n: preflight $origin");
    is_deeply [sort +cors_lines($res)], [$pp ? preflight_lines($pp) : ()],
        "$n: preflight $origin: " . ($pp ? "exactly the preflight answer of $pp->{origin}'s section"
                                         : 'no Access-Control-*');
    is vary_origin($res), $pfdec, "$n: preflight $origin: Vary: Origin $pfdec time(s)";
    is $d, $pfdec, "$n: preflight $origin: $pfdec CORS decision(s) logged";

    ($res, $d) = cors_decisions(sub { preflight($c{url}, $other, $PF_METHOD, $PF_HEADER) });
    status_is($res, $pfcode, "$n: preflight $other");
    is_deeply [cors_lines($res)], [], "$n: preflight $other: refused, no Access-Control-*";
    is vary_origin($res), $pfdec, "$n: preflight $other: Vary: Origin $pfdec time(s)";
    is $d, $pfdec, "$n: preflight $other: $pfdec CORS decision(s) logged";

    # The target asked directly answers with its own section's policy
    # (target_policy, undef for none): the case really crosses sections.
    my $tp = $c{target_policy};
    my $to = $tp ? $tp->{origin} : $origin;
    $res = cors_request(GET => $c{target}, $to);
    is_deeply [sort +cors_lines($res)], [$tp ? actual_lines($tp) : ()],
        "$n: the target $c{target} requested directly from $to: "
        . ($tp ? "the answer of $tp->{origin}'s section" : 'no Access-Control-*');
}

1;
