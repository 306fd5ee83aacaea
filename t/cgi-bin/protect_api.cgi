#!/usr/bin/perl
# browser_protect area (t/browser_protect.t): the application behind
# /protect/api/ that CorsProtect guards. Every request it handles leaves a
# side effect: one line "METHOD /path?query" appended to the file named by
# $PROTECT_EFFECTS (t/logs/protect_effects, made writable by the test), so
# the test can tell whether a request reached the handler at all. Answers
# with the request as JSON, as text/plain (a form's navigation shows it as
# text in both browsers; Firefox would open its JSON viewer otherwise).
use strict;
use warnings;
use Fcntl qw(:flock);
use JSON::PP ();

my $body = '';
read STDIN, $body, $ENV{CONTENT_LENGTH} if $ENV{CONTENT_LENGTH};

my $uri = $ENV{REQUEST_URI} // '';
if (my $file = $ENV{PROTECT_EFFECTS}) {
    if (open my $fh, '>>', $file) {
        flock $fh, LOCK_EX;
        print $fh "$ENV{REQUEST_METHOD} $uri\n";
        close $fh;
    }
    else {
        print STDERR "protect_api.cgi: $file: $!\n";
    }
}

print "Cache-Control: no-store\n";
print "Content-Type: text/plain; charset=utf-8\n\n";
print JSON::PP->new->canonical->encode({
    handled    => JSON::PP::true,
    method     => $ENV{REQUEST_METHOD},
    uri        => $uri,
    origin     => $ENV{HTTP_ORIGIN},
    fetch_site => $ENV{HTTP_SEC_FETCH_SITE},
    body       => $body,
}), "\n";
