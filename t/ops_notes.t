# Issue 10, part 1: the request note "cors" holds exactly one decision
# value per request in a Cors On scope, the first failing check in the
# browser's order deciding; "cors-origin" the Origin judged, cut to 256
# bytes and escaped by mod_log_config. Read through a LogFormat.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use File::Spec::Functions qw(catfile);

my $log = catfile(Apache::Test::vars('t_logs'), 'notes_log');
my $APP = 'https://app.example';

# The access-log line of the one request $code sends.
sub logged {
    my ($code) = @_;
    my $mark = -s $log || 0;
    $code->();
    for (1 .. 50) {
        last if (-s $log || 0) > $mark;
        select undef, undef, undef, 0.05;
    }
    open my $fh, '<', $log or return '';
    seek $fh, $mark, 0;
    my @l = <$fh>;
    chomp @l;
    return wantarray ? @l : $l[-1] // '';
}

my @cases = (
    # name, request, expected cors note, expected origin note
    [ 'no Origin', sub { cors_request(GET => '/notes/on/f.txt', undef) }, 'no-origin', '-' ],
    [ 'allowed', sub { cors_request(GET => '/notes/on/f.txt', $APP) }, 'allowed', $APP ],
    [ 'refused origin', sub { cors_request(GET => '/notes/on/f.txt', 'https://evil.example') },
      'refused-origin', 'https://evil.example' ],
    [ 'null, not listed', sub { cors_request(GET => '/notes/on/f.txt', 'null') }, 'refused-origin', 'null' ],
    [ 'malformed Origin', sub { cors_request(GET => '/notes/on/f.txt', 'https://app.example/') },
      'malformed', 'https://app.example/' ],
    [ 'preflight allowed', sub { preflight('/notes/on/f.txt', $APP, 'PUT', 'x-ok') },
      'preflight-allowed', $APP ],
    [ 'preflight, refused method', sub { preflight('/notes/on/f.txt', $APP, 'DELETE') },
      'refused-method', $APP ],
    [ 'preflight, refused header', sub { preflight('/notes/on/f.txt', $APP, 'PUT', 'x-bad') },
      'refused-headers', $APP ],
    [ 'preflight, malformed header list', sub { preflight('/notes/on/f.txt', $APP, 'PUT', 'x ok') },
      'malformed', $APP ],
    [ 'preflight, private network asked', sub {
          preflight('/notes/on/f.txt', $APP, 'PUT', undef,
                    'Access-Control-Request-Private-Network' => 'true') },
      'refused-private-network', $APP ],
    # The browser's order: origin, then method, then headers.
    [ 'refused origin and method', sub { preflight('/notes/on/f.txt', 'https://evil.example', 'DELETE', 'x-bad') },
      'refused-origin', 'https://evil.example' ],
    [ 'malformed origin and refused method', sub { preflight('/notes/on/f.txt', 'app.example', 'DELETE') },
      'malformed', 'app.example' ],
    [ 'refused method and header', sub { preflight('/notes/on/f.txt', $APP, 'DELETE', 'x-bad') },
      'refused-method', $APP ],
    [ 'refused method and malformed list', sub { preflight('/notes/on/f.txt', $APP, 'DELETE', 'x bad') },
      'refused-method', $APP ],
    [ 'refused header before private network', sub {
          preflight('/notes/on/f.txt', $APP, 'PUT', 'x-bad',
                    'Access-Control-Request-Private-Network' => 'true') },
      'refused-headers', $APP ],
    # Static "*" never parses the Origin.
    [ 'static *: a malformed Origin is allowed', sub { cors_request(GET => '/notes/star/f.txt', 'not an origin') },
      'allowed', 'not an origin' ],
    [ 'outside any Cors scope', sub { cors_request(GET => '/notes/f.txt', $APP) }, '-', '-' ],
    [ 'Cors Off', sub { cors_request(GET => '/notes/off/f.txt', $APP) }, '-', '-' ],
    [ 'ErrorDocument: the final request', sub { cors_request(GET => '/notes/on/missing', $APP) },
      'allowed', $APP ],
    [ 'FallbackResource: the requested section', sub { cors_request(GET => '/notes/fb/some/route', $APP) },
      'allowed', $APP ],
    [ 'FallbackResource: refused', sub { cors_request(GET => '/notes/fb/some/route', 'https://evil.example') },
      'refused-origin', 'https://evil.example' ],
);

plan tests => 2 * @cases + 5, need_module('cors', 'log_config', 'dir');

for my $c (@cases) {
    my ($name, $code, $cors, $origin) = @$c;
    my @l = logged($code);
    is scalar(@l), 1, "$name: one access-log line";
    like $l[-1] // '', qr/ cors=\Q$cors\E origin=\Q$origin\E$/, "$name: cors=$cors origin=$origin";
}

# cors-origin is cut to 256 bytes; mod_log_config escapes what it logs.
my $long = 'https://' . ('a' x 300) . '.example';
my $line = logged(sub { cors_request(GET => '/notes/on/f.txt', $long) });
my ($o) = $line =~ / origin=(\S+)$/;
is length($o // ''), 256, 'a long Origin: noted cut to 256 bytes';
is $o, substr($long, 0, 256), 'a long Origin: its first 256 bytes';
$line = logged(sub { cors_request(GET => '/notes/on/f.txt', "https://app.example\t\"x") });
like $line, qr/ cors=malformed origin=https:\/\/app\.example\\t\\"x$/,
    'a tab and a quote in the Origin: escaped in the log';
my ($res) = (cors_request(GET => '/notes/on/f.txt', $APP));
is_deeply [header_values($res, $ACAO)], [$APP], 'the notes change nothing in the answer';
ok !grep({ /^cors/i } $res->headers->header_field_names), 'no CORS-* header without CorsDebugHeader';
