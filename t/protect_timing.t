# CorsTimingAllowOrigin (issue 11): a granted actual response carries
# exactly one Timing-Allow-Origin, equal to Access-Control-Allow-Origin
# (the origin, or '*' in static-'*' mode); a refused origin, a request the
# policy answers with nothing and a preflight get none; Off by default and
# in a child section; a backend's (CGI's) own header is replaced, or kept
# with CorsPreserveBackendHeaders On when it also set
# Access-Control-Allow-Origin; Vary: Origin as for ACAO; report-only
# changes nothing. Sections in t/conf/protect.conf.in (vhost "protect"):
# /protect/tao*/, static file x.txt, CGI w (query words tao, acao, vary).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsProtect;

plan tests => 1, need_module(qw(cors));

my $T    = 'https://trusted.example';
my $W    = 'https://api.wild.example';
my $EVIL = 'https://evil.example';
my $CGI  = 'https://cgi.example';    # what protect_write.cgi sends

# t(name, method, path, origin, want TAO list, want ACAO list, %more):
# more: vary => N (Vary: Origin tokens), lines => [...].
sub t {
    my ($name, $method, $path, $origin, $tao, $acao, %o) = @_;
    my @lines = @{ $o{lines} || [] };
    unshift @lines, "Origin: $origin" if defined $origin;
    my $r = px(method => $method, path => $path, lines => \@lines,
               key => new_key($name), (exists $o{body} ? (body => $o{body}) : ()));
    my @ok;
    push @ok, is_deeply [lines_of_header($r, 'Timing-Allow-Origin')], $tao,
        "$name: Timing-Allow-Origin " . (@$tao ? join(' | ', @$tao) : 'none');
    push @ok, is_deeply [lines_of_header($r, 'Access-Control-Allow-Origin')], $acao,
        "$name: Access-Control-Allow-Origin " . (@$acao ? join(' | ', @$acao) : 'none');
    if (defined $o{vary}) {
        my $n = grep { lc eq 'origin' } map { s/^\s+|\s+$//gr } map { split /,/ }
                lines_of_header($r, 'Vary');
        push @ok, is $n, $o{vary}, "$name: Vary: Origin $o{vary} time(s)";
    }
    if (defined $o{status}) {
        push @ok, is $r->{status}, $o{status}, "$name: status $o{status}";
    }
    diag join "\n", $r->{status_line}, map { "$_->[0]: $_->[1]" } @{ $r->{headers} }
        if grep { !$_ } @ok;
    return $r;
}

subtest 'Timing-Allow-Origin' => sub {
    my $x = '/protect/tao/x.txt';
    # ------------------------------------------- granted actual requests
    t('granted GET',        GET  => $x, $T, [$T], [$T], vary => 1, status => 200);
    t('granted HEAD',       HEAD => $x, $T, [$T], [$T], vary => 1, status => 200);
    t('granted wildcard',   GET  => $x, $W, [$W], [$W], vary => 1);
    t('granted upper case', GET  => $x, 'https://TRUSTED.example', ['https://TRUSTED.example'],
      ['https://TRUSTED.example'], vary => 1);
    t('granted 404',        GET  => '/protect/tao/missing.txt', $T, [$T], [$T], vary => 1,
      status => 404);
    t('granted POST to the CGI', POST => '/protect/tao/w', $T, [$T], [$T], vary => 1,
      status => 200);
    t('granted OPTIONS without Access-Control-Request-Method (not a preflight)',
      OPTIONS => '/protect/tao/w', $T, [$T], [$T], status => 200);
    # ------------------------------------------------------ nothing granted
    t('refused origin',     GET  => $x, $EVIL, [], [], vary => 1, status => 200);
    t('null',               GET  => $x, 'null', [], [], vary => 1);
    t('malformed origin',   GET  => $x, 'https://trusted.example/', [], []);
    t('no Origin',          GET  => $x, undef, [], [], vary => 1);
    # ------------------------------------------------------------ preflight
    my $pf = t('preflight', OPTIONS => $x, $T, [], [$T], status => 204,
               lines => [ 'Access-Control-Request-Method: PUT' ]);
    ok scalar(grep { /^Access-Control-Allow-Methods: / } ac_lines($pf)),
        'preflight: it is the preflight answer (Access-Control-Allow-Methods)';
    t('preflight to the CGI', OPTIONS => '/protect/tao/w?tao', $T, [], [$T], status => 204,
      lines => [ 'Access-Control-Request-Method: PUT' ]);
    t('refused preflight', OPTIONS => $x, $EVIL, [], [],
      lines => [ 'Access-Control-Request-Method: PUT' ]);

    # -------------------------------------------------- the other modes
    # Default policy '*': the origin is echoed, and so is TAO.
    t("default '*' policy", GET => '/protect/tao-star/x.txt', $EVIL, [$EVIL], [$EVIL], vary => 1);
    # Static '*': '*' for everyone.
    t("static '*'", GET => '/protect/tao-static/x.txt', $T, ['*'], ['*']);
    t("static '*', other origin", GET => '/protect/tao-static/x.txt', $EVIL, ['*'], ['*']);
    t("static '*', no Origin", GET => '/protect/tao-static/x.txt', undef, ['*'], ['*']);
    t("static '*', preflight", OPTIONS => '/protect/tao-static/x.txt', $T, [], ['*'],
      lines => [ 'Access-Control-Request-Method: PUT' ], status => 204);
    # One origin, sent to requests without Origin too: TAO follows ACAO.
    t('one origin, no Origin', GET => '/protect/tao-one/x.txt', undef, [$T], [$T]);
    t('one origin, other origin', GET => '/protect/tao-one/x.txt', $EVIL, [], []);
    # Credentials: the origin, never '*'.
    my $cr = t('credentials', GET => '/protect/tao-cred/x.txt', $T, [$T], [$T], vary => 1);
    is_deeply [lines_of_header($cr, 'Access-Control-Allow-Credentials')], ['true'],
        'credentials: with Access-Control-Allow-Credentials';
    # CorsVaryHeader Off: no Vary, as for ACAO.
    t('CorsVaryHeader Off', GET => '/protect/tao/novary/x.txt', $T, [$T], [$T], vary => 0);
    # .htaccess
    t('.htaccess CorsTimingAllowOrigin On', GET => '/protect/ht/tao/w.cgi', $T, [$T], [$T],
      vary => 1);
    t('.htaccess, the same tree without it', GET => '/protect/ht/none/w.cgi', $T, [], [$T]);

    # ------------------------------------------------------------- Off
    t('Off by default', GET => '/protect/tao-off/x.txt', $T, [], [$T], vary => 1);
    t('Off in a child section', GET => '/protect/tao/child-off/x.txt', $T, [], [$T]);
    # Off: a backend's header is not mod_cors's business.
    t('Off by default, CGI sends its own', GET => '/protect/tao-off/w?tao', $T, [$CGI], [$T]);
    t('Off in a child, CGI sends its own', GET => '/protect/tao/child-off/w?tao', $EVIL,
      [$CGI], []);
    # Report-only changes no header, Timing-Allow-Origin included.
    t('report-only', GET => '/protect/tao-ro/x.txt', $T, [], []);
    t('report-only, CGI sends its own', GET => '/protect/tao-ro/w?tao', $T, [$CGI], []);

    # ---------------------------------------------- the backend's own
    t('CGI TAO replaced for a granted origin', GET => '/protect/tao/w?tao', $T, [$T], [$T],
      vary => 1);
    t('CGI TAO and ACAO replaced', GET => '/protect/tao/w?tao&acao', $T, [$T], [$T]);
    t('CGI TAO removed for a refused origin', GET => '/protect/tao/w?tao', $EVIL, [], []);
    t('CGI TAO removed without Origin', GET => '/protect/tao/w?tao&acao', undef, [], []);
    t('CGI TAO and Vary: Accept', GET => '/protect/tao/w?tao&vary', $T, [$T], [$T], vary => 1);
    # A Header directive's (headers_out, like a proxied backend's, and
    # err_headers_out with "always").
    my $HDR = 'https://hdr.example';
    for my $dir (qw(hdr hdr-always)) {
        t("Header $dir: replaced for a granted origin", GET => "/protect/tao/$dir/x.txt", $T,
          [$T], [$T], vary => 1);
        t("Header $dir: removed for a refused origin", GET => "/protect/tao/$dir/x.txt", $EVIL,
          [], []);
        t("Header $dir: removed without Origin", GET => "/protect/tao/$dir/x.txt", undef,
          [], []);
        t("Header $dir: not on a preflight", OPTIONS => "/protect/tao/$dir/x.txt", $T, [], [$T],
          lines => [ 'Access-Control-Request-Method: PUT' ], status => 204);
    }
    t('preserve: Header TAO and ACAO kept', GET => '/protect/tao/keep/hdr/x.txt', $T,
      [$HDR], [$HDR]);
    # CorsPreserveBackendHeaders On: kept only where the CGI also set ACAO.
    t('preserve: CGI TAO and ACAO kept', GET => '/protect/tao/keep/w?tao&acao', $T,
      [$CGI], [$CGI]);
    t('preserve: CGI TAO and ACAO kept, refused origin', GET => '/protect/tao/keep/w?tao&acao',
      $EVIL, [$CGI], [$CGI]);
    t('preserve: CGI TAO without ACAO replaced', GET => '/protect/tao/keep/w?tao', $T, [$T], [$T]);
    t('preserve: CGI TAO without ACAO, refused origin', GET => '/protect/tao/keep/w?tao', $EVIL,
      [], []);
    t('preserve: no CGI header', GET => '/protect/tao/keep/w', $T, [$T], [$T]);
    done_testing();
};
