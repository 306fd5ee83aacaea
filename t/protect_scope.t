# CorsProtect judges only the request the client sent: an ErrorDocument for
# its 403, a per-directory rewrite into or out of a protected section and an
# SSI subrequest are not judged again (t/conf/protect.conf.in, vhost
# "protect"). And .htaccess: CorsProtect On works there, CorsProtect Off
# (any case) and nonsense values are refused with a 500 and an alert naming
# the directive, and never lower the server's protection.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsAttack qw(crash_lines);
use CorsProtect;

plan tests => 3, need_module(qw(cors rewrite include status));

my $EVIL = 'https://evil.example';
my $TRUSTED = 'https://trusted.example';

side_reset();
my $mark0 = error_log_mark();

# req(name, %px) -> ($res, $key, [ran], [debug lines], {count deltas})
sub req {
    my ($name, %o) = @_;
    my $key = new_key($name);
    my $before = counts();
    my $mark = error_log_mark();
    my $res = px(key => $key, %o);
    my @pl = protect_lines(error_log_since($mark));
    my $after = counts();
    my %d = map { $_ => $after->{auto}{$_} - ($before->{auto}{$_} // 0) }
            grep { /^Cors/ } keys %{ $after->{auto} };
    delete $d{$_} for grep { !$d{$_} } keys %d;
    return ($res, $key, [ran($key)], \@pl, \%d);
}

subtest 'internal redirects and subrequests are not judged again' => sub {
    # ------------------------------------------------- ErrorDocument 403
    # The refusal's 403 is answered by an ErrorDocument in a protected
    # section, as an internal redirect that keeps the request's headers
    # (a WebSocket handshake's Upgrade too): not judged again, so the
    # page is the document, not httpd's "Additionally, a 403 ..." one.
    for my $c (
        [ 'POST', [ "Origin: $EVIL" ], 'refused-cross-origin', 'CorsRefusedCrossOrigin' ],
        [ 'PUT',  [ "Origin: $EVIL", 'Sec-Fetch-Site: cross-site' ],
          'refused-cross-origin', 'CorsRefusedCrossOrigin' ],
        [ 'GET',  [ "Origin: $EVIL", 'Upgrade: websocket', 'Connection: Upgrade' ],
          'refused-websocket', 'CorsRefusedWebsocket' ],
        [ 'GET',  [ "Origin: $EVIL", 'Upgrade: websocket', 'Connection: Upgrade',
                    'Sec-Fetch-Site: cross-site' ],
          'refused-websocket', 'CorsRefusedWebsocket' ],
    ) {
        my ($m, $lines, $decision, $auto) = @$c;
        my $name = "ErrorDocument: $m " . join(' ', grep { !/^Connection/ } @$lines);
        my ($res, $key, $ran, $pl, $d) = req($name, method => $m, path => '/protect/err/w',
                                            lines => $lines);
        is $res->{status}, 403, "$name: 403";
        like $res->{body}, qr/\Aprotect error document 403\n\z/, "$name: the ErrorDocument's page";
        is_deeply $ran, [], "$name: the CGI did not run";
        is scalar @$pl, 1, "$name: one CorsProtect line" or diag explain $pl;
        is_deeply $d, { $auto => 1 }, "$name: counted once, as $decision, nothing else";
        my $n = notes_of($key)->{$key};
        is ref $n && $n->{cors}, $decision, "$name: the final request's note";
    }
    my ($res, $key, $ran) = req('ErrorDocument section, trusted', path => '/protect/err/w',
                                lines => [ "Origin: $TRUSTED", 'Sec-Fetch-Site: cross-site' ]);
    is $res->{status}, 200, 'ErrorDocument section, trusted: 200';
    is_deeply $ran, ['POST'], 'ErrorDocument section, trusted: the CGI ran';

    # --------------------------------------------- per-directory rewrites
    # From an unprotected URL into the protected CGI: the redirect is not
    # judged, the CGI runs.
    for my $c (
        [ 'POST', [ "Origin: $EVIL" ] ],
        [ 'DELETE', [ "Origin: $EVIL", 'Sec-Fetch-Site: cross-site' ] ],
        [ 'GET', [ "Origin: $EVIL", 'Sec-Fetch-Site: cross-site', 'Upgrade: websocket',
                   'Connection: Upgrade' ] ],
    ) {
        my ($m, $lines) = @$c;
        my $name = "rewrite into /protect/on/: $m " . join(' ', @$lines[1 .. $#$lines]);
        my ($res, $key, $ran, $pl, $d) = req($name, method => $m, path => '/protect/open/go',
                                            lines => $lines);
        is $res->{status}, 200, "$name: 200";
        is_deeply $ran, [$m], "$name: the protected CGI ran";
        is_deeply $pl, [], "$name: no CorsProtect line";
        ok !$d->{CorsRefusedCrossOrigin} && !$d->{CorsRefusedWebsocket}, "$name: no refusal counted";
    }
    # From a protected URL to an unprotected CGI: the client's request is
    # judged (header_parser runs before mod_rewrite's fixups).
    ($res, $key, $ran) = req('rewrite out of /protect/on/, untrusted', path => '/protect/on/go',
                             lines => [ "Origin: $EVIL", 'Sec-Fetch-Site: cross-site' ]);
    is $res->{status}, 403, 'rewrite out of /protect/on/, untrusted: 403';
    is_deeply $ran, [], 'rewrite out of /protect/on/, untrusted: the CGI did not run';
    ($res, $key, $ran) = req('rewrite out of /protect/on/, trusted', path => '/protect/on/go',
                             lines => [ "Origin: $TRUSTED", 'Sec-Fetch-Site: cross-site' ]);
    is $res->{status}, 200, 'rewrite out of /protect/on/, trusted: 200';
    is_deeply $ran, ['POST'], 'rewrite out of /protect/on/, trusted: the CGI ran';
    # A server-level RewriteRule maps the client's request itself (no
    # internal redirect): the target's section judges it.
    ($res, $key, $ran) = req('server-level rewrite into /protect/on/', path => '/protect/open/srv',
                             lines => [ "Origin: $EVIL" ]);
    is $res->{status}, 403, 'server-level rewrite into /protect/on/: 403';
    is_deeply $ran, [], 'server-level rewrite into /protect/on/: the CGI did not run';

    # ------------------------------------------------- an SSI subrequest
    # A handshake-looking GET to an SSI page outside any Cors section; its
    # subrequest to the protected CGI carries the same headers and is not
    # judged.
    my $sub = 'ssi-sub';
    my @before = ran($sub);
    ($res, $key, $ran, my $pl) = req('SSI subrequest', method => 'GET',
        path => '/protect/ssi/page.shtml',
        lines => [ "Origin: $EVIL", 'Sec-Fetch-Site: cross-site', 'Upgrade: websocket',
                   'Connection: Upgrade' ]);
    is $res->{status}, 200, 'SSI subrequest: 200';
    like $res->{body}, qr/ssi page start\nprotect cgi ran: GET ssi-sub\n.*ssi page end/s,
        'SSI subrequest: the protected CGI\'s output is included';
    my @after = ran($sub);
    is @after - @before, 1, 'SSI subrequest: the protected CGI ran';
    is_deeply $pl, [], 'SSI subrequest: no CorsProtect line';
    # The same CGI requested directly is refused.
    ($res, $key, $ran) = req('SSI target requested directly', method => 'GET',
        path => '/protect/on/w',
        lines => [ "Origin: $EVIL", 'Sec-Fetch-Site: cross-site', 'Upgrade: websocket',
                   'Connection: Upgrade' ]);
    is $res->{status}, 403, 'SSI target requested directly: 403';
};

subtest '.htaccess' => sub {
    my @cross = ("Origin: $EVIL", 'Sec-Fetch-Site: cross-site');
    # CorsProtect On in an .htaccess file, under Cors On from the server.
    my ($res, $key, $ran, $pl, $d) = req('ht on', path => '/protect/ht/on/w.cgi', lines => \@cross);
    is $res->{status}, 403, '.htaccess CorsProtect On: untrusted write refused, 403';
    is_deeply $ran, [], '.htaccess CorsProtect On: the CGI did not run';
    is scalar @$pl, 1, '.htaccess CorsProtect On: one CorsProtect line';
    is_deeply $d, { CorsRefusedCrossOrigin => 1 }, '.htaccess CorsProtect On: counted';
    like $pl->[0] // '', qr{origin policy in <Directory [^>]*/protect/ht>},
        '.htaccess CorsProtect On: the line names the section of the origin policy';
    ($res, $key, $ran) = req('ht on trusted', path => '/protect/ht/on/w.cgi',
                             lines => [ "Origin: $TRUSTED", 'Sec-Fetch-Site: cross-site' ]);
    is_deeply [$res->{status}, @$ran], [200, 'POST'], '.htaccess CorsProtect On: trusted write runs';
    ($res, $key, $ran) = req('ht on same-origin', path => '/protect/ht/on/w.cgi',
                             lines => [ "Origin: $EVIL", 'Sec-Fetch-Site: same-origin' ]);
    is_deeply [$res->{status}, @$ran], [200, 'POST'], '.htaccess CorsProtect On: same-origin runs';
    ($res, $key, $ran) = req('ht on websocket', method => 'GET', path => '/protect/ht/on/w.cgi',
                             lines => [ @cross, 'Upgrade: websocket', 'Connection: Upgrade' ]);
    is_deeply [$res->{status}, @$ran], [403], '.htaccess CorsProtect On: WebSocket refused';
    # The same directory tree without the .htaccess file: not protected.
    ($res, $key, $ran) = req('ht none', path => '/protect/ht/none/w.cgi', lines => \@cross);
    is_deeply [$res->{status}, @$ran], [200, 'POST'], 'no .htaccess, CorsProtect unset: runs';
    # Server On, and an .htaccess that says On again.
    for my $dir (qw(srv/plain srv/on)) {
        ($res, $key, $ran) = req("ht $dir", path => "/protect/ht/$dir/w.cgi", lines => \@cross);
        is_deeply [$res->{status}, @$ran], [403], "server CorsProtect On, $dir: refused, not run";
    }

    # CorsProtect Off (and off) in .htaccess: 500 with an alert naming the
    # directive, for every request there, same-origin ones included: the
    # protection is never lowered.
    for my $c ([ 'srv/off', 'Off' ], [ 'srv/offlc', 'off' ]) {
        my ($dir, $word) = @$c;
        for my $lines (\@cross, [ 'Sec-Fetch-Site: same-origin' ], [ "Origin: $TRUSTED" ]) {
            my $mark = error_log_mark();
            ($res, $key, $ran, $pl) = req("ht $dir", path => "/protect/ht/$dir/w.cgi",
                                          lines => $lines);
            my $what = ".htaccess CorsProtect $word (" . join(', ', @$lines) . ')';
            is $res->{status}, 500, "$what: 500";
            is_deeply $ran, [], "$what: the CGI did not run";
            like error_log_since($mark),
                qr{\[core:alert\].*/protect/ht/\Q$dir\E/\.htaccess: CorsProtect: '\Q$word\E' is not allowed in \.htaccess files},
                "$what: alert naming the file, the directive and the value";
        }
    }
    my $mark = error_log_mark();
    ($res, $key, $ran) = req('ht bad', path => '/protect/ht/srv/bad/w.cgi',
                             lines => [ 'Sec-Fetch-Site: same-origin' ]);
    is_deeply [$res->{status}, @$ran], [500], '.htaccess CorsProtect maybe: 500, not run';
    like error_log_since($mark),
        qr{\[core:alert\].*/protect/ht/srv/bad/\.htaccess: CorsProtect: 'maybe' is not On or Off},
        '.htaccess CorsProtect maybe: alert naming the directive and the value';

    # A policy that allows any origin, which only .htaccess (or a merge
    # made per request) can give a protected section, trusts no origin:
    # the untrusted write is refused.
    for my $c (
        [ 'srv/any',  "'CorsOrigins *' under the server's CorsProtect On" ],
        [ 'star',     "'CorsOrigins *' with 'CorsProtect On' in the same .htaccess" ],
    ) {
        my ($dir, $what) = @$c;
        ($res, $key, $ran) = req("ht $dir", path => "/protect/ht/$dir/w.cgi", lines => \@cross);
        is_deeply [$res->{status}, @$ran], [403],
            ".htaccess $what: the untrusted write is refused, the CGI did not run";
        is_deeply [$res->{status}], [403], ".htaccess $what: 403";
    }
    # Gap (reported, not fixed): Cors Off in .htaccess switches mod_cors off
    # there, CorsProtect with it ("a section with Cors On and CorsProtect
    # On", as issue 11 words it).
    ($res, $key, $ran) = req('ht srv/corsoff', path => '/protect/ht/srv/corsoff/w.cgi', lines => \@cross);
    TODO: {
        local $TODO = 'Cors Off in .htaccess also switches CorsProtect off (reported)';
        ok $res->{status} == 403 || $res->{status} == 500,
           ".htaccess 'Cors Off' under the server's CorsProtect On: an untrusted write is not let through (got $res->{status})";
    }
    is_deeply [$res->{status}, @$ran], [200, 'POST'],
        ".htaccess 'Cors Off' under the server's CorsProtect On: what the module does today: the write runs";
    # CorsProtect On with Cors Off in the same .htaccess: nothing judged.
    ($res, $key, $ran) = req('ht cors-off', path => '/protect/ht/cors-off/w.cgi', lines => \@cross);
    is_deeply [$res->{status}, @$ran], [200, 'POST'],
        '.htaccess CorsProtect On with Cors Off: not judged (Cors On needed)';
};

subtest 'no crash' => sub {
    is_deeply [crash_lines(error_log_since($mark0))], [], 'no child crashed';
};
