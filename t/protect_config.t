# Startup validation of CorsProtect and CorsTimingAllowOrigin (`apache2 -t`
# on a small config, CorsTest::config_check, as t/config.t): CorsProtect On
# where the origin policy allows any origin (the default '*', '*', a
# match-all regex, in the section or through the configuration it is
# merged with) stops the start with a message that says it protects
# nothing, naming the CorsProtect line and where the policy comes from; a
# trusted list passes; nonsense values are refused naming the directive
# and the value.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

my @cases;
our $TODO;

# The first line of the directives is line 12 of config_check's file: the
# line of the last one that matches.
sub line_of {
    my ($conf, $re) = @_;
    my @l = split /\n/, $conf;
    for my $i (reverse 0 .. $#l) {
        return 12 + $i if $l[$i] =~ $re;
    }
    die "no line matching $re in:\n$conf\n";
}

# nothing($name, $conf, $from): refused, "protects nothing", the error
# points at the CorsProtect On line, and names where the policy is ($from:
# a regex).
sub nothing { push @cases, [ nothing => @_ ] }
sub passes  { push @cases, [ passes  => @_ ] }
# rejects($name, $conf, $directive, $value, @also)
sub rejects { push @cases, [ rejects => @_ ] }

my $NOTHING = qr/CorsProtect On with an origin policy that allows any origin \(([^\n]*)\) protects nothing: every site's writes would be let through\. List the trusted origins in CorsOrigins or CorsOriginsMatch/;

sub loc { my ($path, @d) = @_; join "\n", "<Location $path>", @d, '</Location>' }

# -------------------------------------------- any origin: protects nothing
nothing 'default policy', loc('/p', 'Cors On', 'CorsProtect On'), qr/the default '\*'/;
nothing 'default policy, Cors ReportOnly', loc('/p', 'Cors ReportOnly', 'CorsProtect On'),
    qr/the default '\*'/;
# Without Cors On (or ReportOnly) anywhere in the server CorsProtect acts
# nowhere, and the server is not judged (as for the credentials): the
# safe "CorsProtect On at server level, origins per virtual host" needs
# this.
passes 'default policy, CorsProtect alone (no Cors On in the server)',
    loc('/p', 'CorsProtect On');
nothing 'default policy, CorsProtect before Cors', loc('/p', 'CorsProtect on', 'Cors On'),
    qr/the default '\*'/;
nothing "CorsOrigins *", loc('/p', 'Cors On', 'CorsProtect On', 'CorsOrigins *'),
    qr{<Location /p> at \S+:15};
nothing "'*' among trusted origins",
    loc('/p', 'Cors On', 'CorsProtect On', 'CorsOrigins https://a.example *'),
    qr{<Location /p> at };
nothing "'*' in a second CorsOrigins line",
    loc('/p', 'Cors On', 'CorsProtect On', 'CorsOrigins https://a.example', 'CorsOrigins *'),
    qr{<Location /p> at };
for my $re ('.*', '^.*$', '.+', '^https?://.*$', '(https|http)://.+', '[a-z]+://.*') {
    nothing "match-all regex $re",
        loc('/p', 'Cors On', 'CorsProtect On', "CorsOriginsMatch \"$re\""),
        qr{<Location /p> at };
}
nothing 'match-all regex next to a trusted origin',
    loc('/p', 'Cors On', 'CorsProtect On', 'CorsOrigins https://a.example',
        'CorsOriginsMatch .*'), qr{<Location /p> at };
nothing 'in <Directory>',
    "<Directory /srv/p>\nCors On\nCorsProtect On\n</Directory>", qr/the default '\*'/;
nothing 'in <Files>',
    "<Files p.cgi>\nCors On\nCorsProtect On\n</Files>", qr/the default '\*'/;
nothing 'in <If>',
    "<If \"%{REQUEST_METHOD} == 'POST'\">\nCors On\nCorsProtect On\n</If>", qr/the default '\*'/;

# Through the configuration the section is merged with.
nothing 'server-level CorsOrigins * merged into a section',
    "CorsOrigins *\n" . loc('/p', 'Cors On', 'CorsProtect On'), qr/server config at /;
nothing 'server-level CorsProtect On merged into a section with a match-all regex',
    "CorsProtect On\n" . loc('/p', 'Cors On', 'CorsOriginsMatch .*'), qr{<Location /p> at };
nothing 'server-level CorsProtect On, a section with CorsOrigins *',
    "CorsProtect On\n" . loc('/p', 'Cors On', 'CorsOrigins *'), qr{<Location /p> at };
nothing '<VirtualHost> CorsOrigins * merged into its <Location>',
    "<VirtualHost *:80>\nServerName v.example\nCorsOrigins *\n"
    . loc('/p', 'Cors On', 'CorsProtect On') . "\n</VirtualHost>",
    qr/<VirtualHost \*:80> at /;
nothing '<VirtualHost> CorsProtect On merged into its <Location> (default policy)',
    "<VirtualHost *:80>\nServerName v.example\nCorsProtect On\n"
    . loc('/p', 'Cors On') . "\n</VirtualHost>", qr/the default '\*'/;
nothing '<Directory> CorsProtect On, <Files> in it with CorsOrigins *',
    "<Directory /srv/p>\nCorsProtect On\n<Files w.cgi>\nCors On\nCorsOrigins *\n</Files>\n</Directory>",
    qr/<Files w\.cgi> at /;
nothing '<Directory> trusted, <If> in it with CorsOrigins *',
    "<Directory /srv/p>\nCors On\nCorsProtect On\nCorsOrigins https://a.example\n"
    . "<If \"true\">\nCorsOrigins *\n</If>\n</Directory>", qr/<If /;
nothing 'the second virtual host only',
    "<VirtualHost *:80>\nServerName a.example\n"
    . loc('/p', 'Cors On', 'CorsProtect On', 'CorsOrigins https://a.example')
    . "\n</VirtualHost>\n<VirtualHost *:80>\nServerName b.example\n"
    . loc('/p', 'Cors On', 'CorsProtect On') . "\n</VirtualHost>", qr/the default '\*'/;

# Gaps (reported, not fixed): the check merges a section with the server,
# virtual host and enclosing sections, not with other <Location>s that
# match the same URL at run time, and it lets a section with the default
# policy pass as soon as any section of the server sets CorsOrigins.
my %TODO = map { $_ => 1 } (
    'TODO: a <Location> under another whose CorsOrigins * it inherits at run time',
    'TODO: default policy, next to an unrelated section with CorsOrigins',
    'TODO: <Directory /> CorsProtect On, a <Location> with CorsOrigins *',
);
nothing 'TODO: a <Location> under another whose CorsOrigins * it inherits at run time',
    loc('/p', 'Cors On', 'CorsProtect On', 'CorsOrigins https://a.example') . "\n"
    . loc('/p/q', 'CorsOrigins *'), qr{<Location /p/q> at };
nothing 'TODO: default policy, next to an unrelated section with CorsOrigins',
    loc('/a', 'Cors On', 'CorsOrigins https://a.example') . "\n"
    . loc('/p', 'Cors On', 'CorsProtect On'), qr/the default '\*'/;
nothing 'TODO: <Directory /> CorsProtect On, a <Location> with CorsOrigins *',
    "<Directory />\nCorsProtect On\n</Directory>\n" . loc('/p', 'Cors On', 'CorsOrigins *'),
    qr{<Location /p> at };

# ----------------------------------------------------- trusted lists pass
passes 'exact origins', loc('/p', 'Cors On', 'CorsProtect On',
    'CorsOrigins https://a.example http://b.example:8080');
passes 'wildcard origin', loc('/p', 'Cors On', 'CorsProtect On',
    'CorsOrigins https://*.a.example');
passes 'regex', loc('/p', 'Cors On', 'CorsProtect On',
    'CorsOriginsMatch ^https://[a-z]+\.a\.example$');
passes 'all three', loc('/p', 'Cors On', 'CorsProtect On',
    'CorsOrigins https://a.example https://*.b.example',
    'CorsOriginsMatch ^https://re-[a-z]+\.example$');
passes 'ReportOnly with a trusted list', loc('/p', 'Cors ReportOnly', 'CorsProtect On',
    'CorsOrigins https://a.example');
passes 'server-level trusted list and CorsProtect On, a section turns Cors On',
    "CorsOrigins https://a.example\nCorsProtect On\n" . loc('/p', 'Cors On');
passes 'server-level CorsOrigins *, a section with its own trusted list',
    "CorsOrigins *\n" . loc('/p', 'Cors On', 'CorsProtect On', 'CorsOrigins https://a.example');
# Review 3: CorsProtect On written once for the whole server, with Cors On
# and the trusted origins in the one virtual host that uses mod_cors. The
# main server never switches Cors on, so CorsProtect has nothing to judge
# there: nothing "lets every site's writes through", yet the check (which
# ignores whether the section switches Cors on at all) stops the start.
passes 'server-wide CorsProtect On, Cors On and CorsOrigins only in a virtual host',
    "CorsProtect On\n<VirtualHost *:80>\nServerName v.example\nCors On\n"
    . "CorsOrigins https://a.example\n</VirtualHost>";
passes 'server-wide CorsProtect On, a <Location> with Cors On and its list in a virtual host',
    "CorsProtect On\n<VirtualHost *:80>\nServerName v.example\n"
    . loc('/api/', 'Cors On', 'CorsOrigins https://a.example') . "\n</VirtualHost>";
passes 'CorsProtect Off with the default policy', loc('/p', 'Cors On', 'CorsProtect Off');
passes 'CorsProtect Off with CorsOrigins *', loc('/p', 'Cors On', 'CorsProtect Off', 'CorsOrigins *');
passes 'a child turns CorsProtect Off under a parent with CorsOrigins *',
    "CorsOrigins *\n" . loc('/p', 'Cors On', 'CorsProtect Off');
passes 'CorsProtect ON (case)', loc('/p', 'Cors On', 'CorsProtect ON', 'CorsOrigins https://a.example');
passes 'CorsTimingAllowOrigin On', loc('/p', 'Cors On', 'CorsTimingAllowOrigin On');
passes 'CorsTimingAllowOrigin Off', loc('/p', 'Cors On', 'CorsTimingAllowOrigin off');
passes 'CorsTimingAllowOrigin On with CorsOrigins *', loc('/p', 'Cors On', 'CorsOrigins *',
    'CorsTimingAllowOrigin On');
passes 'both, every context', join "\n",
    "CorsOrigins https://a.example\nCorsProtect On\nCorsTimingAllowOrigin On",
    loc('/p', 'Cors On', 'CorsProtect On', 'CorsTimingAllowOrigin On'),
    "<Directory /srv/p>\nCors On\nCorsProtect On\nCorsTimingAllowOrigin On\n</Directory>",
    "<Files p.cgi>\nCorsProtect On\nCorsTimingAllowOrigin On\n</Files>",
    "<VirtualHost *:80>\nServerName v.example\nCorsProtect On\nCorsTimingAllowOrigin Off\n</VirtualHost>";

# -------------------------------------------------------- nonsense values
for my $d (qw(CorsProtect CorsTimingAllowOrigin)) {
    for my $v (qw(maybe yes 1 true Onn)) {
        rejects "$d $v", loc('/p', 'Cors On', 'CorsOrigins https://a.example', "$d $v"),
            $d, $v, qr/is not On or Off/;
    }
    rejects "$d with no value", loc('/p', "$d"), $d, undef, qr/takes one argument/;
    rejects "$d with two values", loc('/p', "$d On Off"), $d, undef, qr/takes one argument/;
    rejects "$d empty", loc('/p', "$d \"\""), $d, undef, qr/takes one argument/;
}

plan tests => scalar(@cases), need_module('cors');

for my $c (@cases) {
    my ($kind, $name, $conf, @args) = @$c;
    my ($ok, $out) = config_check($conf);
    my @bad;
    if ($kind eq 'nothing') {
        my ($from) = @args;
        push @bad, 'apache2 -t accepted it' if $ok;
        my ($where) = $out =~ $NOTHING;
        push @bad, 'no "protects nothing" message' unless defined $where;
        push @bad, "the message does not say where the policy is ($from)"
            if defined $where && $where !~ $from;
        my $line = line_of($conf, qr/^CorsProtect On$/i);
        push @bad, "the message does not point at the CorsProtect On line ($line)"
            unless $out =~ /mod_cors: error: \S+\.conf:$line: CorsProtect On with/;
        my @said = grep { /protects nothing/ } split /\n/, $out;
        push @bad, 'said ' . scalar(@said) . ' times, not once' if @said != 1;
    }
    elsif ($kind eq 'passes') {
        push @bad, 'apache2 -t failed' unless $ok;
        push @bad, 'mod_cors printed something' if $out =~ /mod_cors/;
    }
    else {
        my ($directive, $value, @also) = @args;
        push @bad, 'apache2 -t accepted it' if $ok;
        push @bad, "message does not name $directive" unless $out =~ /\b\Q$directive\E\b/;
        push @bad, "message does not name the value '$value'"
            if defined $value && $out !~ /\b\Q$directive\E: '\Q$value\E'/;
        for my $re (@also) {
            push @bad, "message does not match $re" unless $out =~ $re;
        }
    }
    TODO: {
        local $TODO = $TODO{$name} ? 'the startup check does not see this (reported)' : undef;
        ok(!@bad, "$kind: $name")
            or diag join("\n", @bad), "\n--- directives:\n$conf\n--- apache2 -t:\n$out";
    }
}
