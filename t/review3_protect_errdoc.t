# Review 3: a refused write must never reach a proxied backend (issue 11,
# docs/directives.md "CorsProtect": refused "before any handler, CGI or PHP
# script or proxied backend sees it"). With an ErrorDocument 403 that is itself
# proxied (a common set-up: the application renders its error pages),
# httpd fetches the error page from the backend on an internal redirect
# that shares the refused request's input: the POST's body used to go
# with it. Now the backend sees only the error page's GET, without a body
# (and, as with every remote ErrorDocument, the client gets the error
# page's status: httpd's behaviour, documented in docs/directives.md).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsHttpd;
use IO::Socket::INET;

plan tests => 3, need_module('cors');

my $be = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                               Listen => 5, ReuseAddr => 1) or die "listen: $!";
my $bport = $be->sockport;
my $seen = "/tmp/review3_errdoc_$$.log";
unlink $seen;
my $kid = fork // die "fork: $!";
if (!$kid) {
    while (my $c = $be->accept) {
        my $data = '';
        $c->blocking(0);
        my $t = time;
        while (time - $t < 2) {
            my $n = sysread($c, my $buf, 65536);
            $data .= $buf if $n;
            last if $data =~ /\r\n\r\n/ && $data =~ /secret-body/;
            select undef, undef, undef, 0.05;
        }
        open my $fh, '>>', $seen; print $fh $data; close $fh;
        print $c "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nbackend\n";
        close $c;
    }
    exit 0;
}
END { kill 'TERM', $kid if $kid }

my $h = CorsHttpd->new(name => 'review3_errdoc', modules => [qw(cors proxy proxy_http)],
    config => <<"C")->start;
ProxyPass /errors/ http://127.0.0.1:$bport/errors/
<Location /api/>
    Cors On
    CorsOrigins https://trusted.example
    CorsProtect On
    ErrorDocument 403 /errors/403
</Location>
C

my $s = IO::Socket::INET->new(PeerAddr => $h->hostport) or die "connect: $!";
print $s "POST /api/x HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\n"
    . "Cookie: session=victim\r\nContent-Type: text/plain\r\n"
    . "Content-Length: 11\r\nConnection: close\r\n\r\nsecret-body";
my $res = do { local $/; <$s> };
sleep 1;
my $got = -e $seen ? do { local (@ARGV, $/) = $seen; <> } : '';
unlink $seen;

like $res, qr{\Abackend\n\z|\r\n\r\nbackend\n\z}, 'the client gets the error page'
    or diag $res;
unlike $got, qr/secret-body/, 'the backend never sees the refused write\'s body'
    or diag $got;
like $got, qr{\AGET /errors/403 HTTP/1\.1\r\n(?:(?!Content-Length|Transfer-Encoding)[^\r\n]*\r\n)*\r\n\z}i,
    'it sees only the error page\'s GET, without a body'
    or diag $got;
