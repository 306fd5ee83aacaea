#!/usr/bin/perl
# browser area (t/browser.t): the API behind every /browser/api/ policy, and
# the proxied backend. Answers any method and echoes the request as JSON, so
# the page's script can report what the server received. Always sends
# X-Exposed and X-Hidden (only one of them is exposed by the policy).
# Query words, separated by &:
#   status=N     answer with status N
#   cookie=V     set the cookie bt_session=V (same-site, path /browser/api/cred/)
#   cache=N      Cache-Control: max-age=N (otherwise no-store, so that no
#                answer is reused from the browser's HTTP cache by accident)
use strict;
use warnings;
use JSON::PP ();
use Time::HiRes ();

my %q;
for (split /&/, $ENV{QUERY_STRING} // '') {
    my ($k, $v) = split /=/, $_, 2;
    $q{$k} = $v // '';
}

my $body = '';
read STDIN, $body, $ENV{CONTENT_LENGTH} if $ENV{CONTENT_LENGTH};

# Every X-* request header the CGI was given (HTTP_X_FOO -> x-foo).
my %x;
for my $k (grep { /^HTTP_X_/ } keys %ENV) {
    (my $name = lc substr $k, 5) =~ tr/_/-/;
    $x{$name} = $ENV{$k};
}

print "Status: $q{status}\n" if $q{status} && $q{status} =~ /^[1-5][0-9][0-9]$/;
print "Set-Cookie: bt_session=$q{cookie}; Path=/browser/api/cred/; SameSite=Lax\n"
    if defined $q{cookie} && $q{cookie} =~ /^\w+$/;
print defined $q{cache} && $q{cache} =~ /^\d+$/
    ? "Cache-Control: max-age=$q{cache}\n"
    : "Cache-Control: no-store\n";
print "X-Exposed: exposed-value\n";
print "X-Hidden: hidden-value\n";
print "Content-Type: application/json\n\n";
print JSON::PP->new->canonical->encode({
    method      => $ENV{REQUEST_METHOD},
    uri         => $ENV{REQUEST_URI},
    origin      => $ENV{HTTP_ORIGIN},
    cookie      => $ENV{HTTP_COOKIE},
    remote_user => $ENV{REMOTE_USER},
    type        => $ENV{CONTENT_TYPE},
    x           => \%x,
    body        => $body,
    # Tells two answers to the same URL apart (HTTP cache test).
    served_at   => sprintf('%d.%06d', Time::HiRes::gettimeofday()),
}), "\n";
