package CorsFetch;
# What a browser would make of a server's CORS answers: a small Perl
# rendering of the Fetch Standard's CORS check and CORS-preflight fetch
# (fetch.spec.whatwg.org; /work/shared/notes/cors-spec.md has the rules),
# for tests that compare two servers by the verdict a page would get
# rather than by their bytes (t/wsgi_flask.t, t/wsgi_example.t).
#
#   my $v = browse('http://127.0.0.1:PORT', {
#       method => 'PUT', path => '/api/items/1', origin => 'https://a.example',
#       headers => ['Content-Type' => 'application/json',
#                   Authorization => 'Bearer t'],
#       credentials => 1, body => '{"a":1}' });
#   $v->{verdict}   # "preflight ok (max-age 600); status 200; exposed: X-Total"
#                   # or "blocked by the preflight" / "blocked: CORS check"
#   $v->{why}       # the failing step, for diagnostics
#
# Like a browser it sends a preflight only when the request needs one (a
# method other than GET, HEAD, POST, or a header that is not safelisted),
# goes on to the actual request only if the preflight passes, and sends
# the cookie only with credentials ("include"). Not modelled: the
# preflight cache (every call preflights afresh), redirects (none are
# followed: a 3xx fails a preflight and is judged as it is otherwise),
# the 1024-byte total of safelisted header values.
use strict;
use warnings;

use CorsTest qw(cors_request preflight header_values);
use Exporter 'import';

our @EXPORT = qw(browse cors_check preflight_check unsafe_header_names
                 exposed_names);

my %SAFE_METHOD = map { $_ => 1 } qw(GET HEAD POST);
my %NORMALIZED  = map { $_ => 1 } qw(DELETE GET HEAD OPTIONS POST PUT);
my %SAFE_RESPONSE = map { $_ => 1 } qw(cache-control content-language
    content-length content-type expires last-modified pragma);
my $TOKEN = qr/^[!#\$%&'*+.^_`|~0-9A-Za-z-]+$/;

# The response headers a test asks about, in a verdict's "exposed:" list.
our @INTERESTING = qw(X-Total X-Total-Count X-Request-Id X-Internal);

# The Fetch "get" of a header: every line's value joined by ", " (two
# Access-Control-Allow-Origin lines become one value that matches
# nothing), or undef when there is none.
sub get_header {
    my ($res, $name) = @_;
    my @v = header_values($res, $name);
    return @v ? join(', ', @v) : undef;
}

# "Extracting header list values": undef when absent, 'failure' when an
# item is not a token, else the list of items (empty items dropped, as
# the comma-separated-list parsing of browsers does).
sub extract_list {
    my ($res, $name) = @_;
    my $v = get_header($res, $name);
    return undef unless defined $v;
    my @items = grep { length } map { s/^[ \t]+|[ \t]+$//gr } split /,/, $v;
    for (@items) { return 'failure' unless /$TOKEN/ }
    return \@items;
}

# cors_check($res, $origin, $credentials) -> (1) or (0, why)
sub cors_check {
    my ($res, $origin, $cred) = @_;
    my $acao = get_header($res, 'Access-Control-Allow-Origin');
    return (0, 'no Access-Control-Allow-Origin') unless defined $acao;
    return (1) if !$cred && $acao eq '*';
    return (0, "Access-Control-Allow-Origin '$acao' is not '$origin'"
             . ($acao eq '*' ? ' (* with credentials)' : ''))
        if $acao ne $origin;
    return (1) unless $cred;
    my $acac = get_header($res, 'Access-Control-Allow-Credentials');
    return (1) if defined $acac && $acac eq 'true';
    return (0, 'credentials without Access-Control-Allow-Credentials: true');
}

# The lower-cased, sorted, unique names of the request headers that are
# not CORS-safelisted (what Access-Control-Request-Headers carries).
sub unsafe_header_names {
    my (@pairs) = @_;
    my %unsafe;
    while (my ($name, $value) = splice @pairs, 0, 2) {
        my $n = lc $name;
        next if $n eq 'content' || $n eq 'cookie';   # body / not a script header
        $unsafe{$n} = 1 unless safelisted_header($n, $value);
    }
    return sort keys %unsafe;
}

sub safelisted_header {
    my ($n, $v) = @_;
    return 0 if length $v > 128;
    if ($n eq 'accept') {
        return $v !~ /[\x00-\x08\x0a-\x1f"():<>?\@\[\\\]{}\x7f]/;
    }
    if ($n eq 'accept-language' || $n eq 'content-language') {
        return $v =~ /^[0-9A-Za-z *,\-.;=]*$/;
    }
    if ($n eq 'content-type') {
        return 0 if $v =~ /[\x00-\x08\x0a-\x1f"():<>?\@\[\\\]{}\x7f]/;
        my ($essence) = lc($v) =~ /^\s*([^;\s]+)/;
        return defined $essence && $essence =~ m{^(?:application/x-www-form-urlencoded
            |multipart/form-data|text/plain)$}x;
    }
    if ($n eq 'range') {
        return $v =~ /^bytes=\d+-\d*$/;
    }
    return 0;
}

# preflight_check($res, $origin, $credentials, $method, \@unsafe_names)
# -> (1, max_age) or (0, why): the CORS-preflight fetch's checks.
sub preflight_check {
    my ($res, $origin, $cred, $method, $unsafe) = @_;
    return (0, 'preflight status ' . $res->code)
        unless $res->code >= 200 && $res->code <= 299;
    my ($ok, $why) = cors_check($res, $origin, $cred);
    return (0, "preflight: $why") unless $ok;
    my $methods = extract_list($res, 'Access-Control-Allow-Methods');
    my $names   = extract_list($res, 'Access-Control-Allow-Headers');
    return (0, 'preflight: unparsable Access-Control-Allow-Methods')
        if ($methods // '') eq 'failure';
    return (0, 'preflight: unparsable Access-Control-Allow-Headers')
        if ($names // '') eq 'failure';
    $methods ||= [];
    $names   ||= [];
    # Methods compare byte for byte; `*` only without credentials.
    if (!grep({ $_ eq $method } @$methods) && !$SAFE_METHOD{$method}
        && ($cred || !grep { $_ eq '*' } @$methods)) {
        return (0, "preflight: method $method not in Access-Control-Allow-Methods");
    }
    my %named = map { lc($_) => 1 } @$names;
    # Authorization is never covered by `*`.
    if (grep { $_ eq 'authorization' } @$unsafe and !$named{authorization}) {
        return (0, 'preflight: authorization not named in Access-Control-Allow-Headers');
    }
    for my $h (@$unsafe) {
        next if $named{$h};
        return (0, "preflight: header $h not in Access-Control-Allow-Headers")
            if $cred || !$named{'*'};
    }
    # Max-Age: absent or invalid means the default of 5 s.
    my $age = get_header($res, 'Access-Control-Max-Age');
    $age = 5 unless defined $age && $age =~ /^\d+$/;
    return (1, $age);
}

# exposed_names($res, $credentials) -> the names of @INTERESTING that the
# response carries and a script may read.
sub exposed_names {
    my ($res, $cred) = @_;
    my $list = extract_list($res, 'Access-Control-Expose-Headers');
    $list = [] if !ref $list;
    my %exp = map { lc($_) => 1 } @$list;
    my $all = !$cred && $exp{'*'};
    return grep { defined $res->header($_)
                  && ($all || $exp{lc $_} || $SAFE_RESPONSE{lc $_}) } @INTERESTING;
}

# browse($base_url, \%call) -> { verdict, why, preflight => $res, response => $res }
sub browse {
    my ($base, $call) = @_;
    my $method = $call->{method} // 'GET';
    $method = uc $method if $NORMALIZED{uc $method};
    my $origin = $call->{origin};
    my $cred = $call->{credentials} ? 1 : 0;
    my @headers = @{ $call->{headers} || [] };
    my $url = $base . $call->{path};
    my @unsafe = unsafe_header_names(@headers);
    my %out;
    my $pre = '';
    if (!$SAFE_METHOD{$method} || @unsafe) {
        my $res = preflight($url, $origin, $method, @unsafe ? join(',', @unsafe) : undef);
        $out{preflight} = $res;
        my ($ok, $age) = preflight_check($res, $origin, $cred, $method, \@unsafe);
        if (!$ok) {
            @out{qw(verdict why)} = ('blocked by the preflight', $age);
            return \%out;
        }
        $pre = "preflight ok (max-age $age); ";
    }
    my @send = @headers;
    push @send, Cookie => 'session=s1' if $cred;
    push @send, Content => $call->{body} if defined $call->{body};
    my $res = cors_request($method, $url, $origin, @send);
    $out{response} = $res;
    my ($ok, $why) = cors_check($res, $origin, $cred);
    if (!$ok) {
        @out{qw(verdict why)} = ("${pre}blocked: CORS check", $why);
        return \%out;
    }
    my @exposed = exposed_names($res, $cred);
    $out{verdict} = "${pre}status " . $res->code . '; exposed: '
                  . (@exposed ? join(' ', @exposed) : '(none)');
    $out{why} = '';
    return \%out;
}

1;
