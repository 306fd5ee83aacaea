# The manual and the code in step (issue 12, "the docs match the code").
# No request: the checks of t/lib/CorsDocs.pm on this tree's files.
#   - every directive of the module's command table (the AP_INIT_* entries
#     of the C sources, and those of a macro that wraps one, such as
#     mod_cors.c's CORS_FLAG_CMD) has a "## Name" section in
#     docs/directives.md with Description, Syntax, Default and Context
#     lines, and a Syntax that starts with its name. Catches a directive
#     added to cors_cmds[] without documentation, or a section lost in an
#     edit;
#   - every section of docs/directives.md with a reference table, or named
#     like a directive, documents one of the command table. Catches a
#     directive renamed or removed in the code but not in the manual;
#   - each Default line says the default `apachectl -t -D DUMP_CORS`
#     prints (cors_dump.c's cors_field_defaults). Catches a default changed
#     in the code (and its dump) but not in the manual, or the reverse;
#   - every relative link of README.md and docs/*.md points to a file of
#     the tree, and every #anchor to a heading of that file (GitHub's
#     slugs). Catches a moved file or a renamed heading.
# And the checks' own test: on a made-up tree with one directive missing
# from the manual, a section for a directive the code does not have, a
# link to a missing file and an anchor to a missing heading, each must
# complain; a check that cannot fail guards nothing.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Spec::Functions qw(catfile catdir);
use CorsDocs;

plan tests => 15;

my $top = dirname(dirname(abs_path(__FILE__)));

# ------------------------------------------------------------ the real tree
my @code = CorsDocs::directives_in_code($top);
# The table has 20 directives today; fewer than 15 found means the parser,
# not the module, lost them.
ok @code >= 15 && (grep { $_ eq 'Cors' } @code)
                && (grep { $_ eq 'CorsSendWildcard' } @code),
    'the command table is parsed out of the C sources, macro entries included ('
    . scalar(@code) . ' directives)'
    or diag "found: @code";

my @dir = CorsDocs::directive_problems($top);
ok !@dir, 'every directive of the command table has a complete section in '
    . 'docs/directives.md, and every section there is a directive'
    or diag join "\n", @dir;

my @def = CorsDocs::default_problems($top);
ok !@def, 'every Default line of docs/directives.md says the default that '
    . 'DUMP_CORS prints'
    or diag join "\n", @def;

my @files = CorsDocs::manual_files($top);
ok( (grep { $_ eq 'docs/directives.md' } @files) && @files >= 5,
    "the manual's files are found: @files");

my @links = CorsDocs::link_problems($top, @files);
ok !@links, 'every relative link and anchor of README.md and docs/*.md '
    . 'points to an existing file and heading'
    or diag join "\n", @links;

# ------------------------------------------------------- the checks' own test
my $fake = catdir(Apache::Test::vars('t_logs'), 'docs_fake');
remove_tree($fake);
make_path(catdir($fake, 'docs'));
sub put {
    my ($rel, $text) = @_;
    open my $fh, '>', catfile($fake, $rel) or die "$rel: $!";
    print $fh $text;
    close $fh;
}
put('mod_fake.c', <<'C');
#define FAKE_FLAG(name, field) \
    AP_INIT_TAKE1(name, fake_flag, NULL, OR_FILEINFO, "help")
/* AP_INIT_TAKE1("CommentedOut", ...) is not a directive */
static const command_rec fake_cmds[] = {
    AP_INIT_TAKE1("FakeOne", fake_one, NULL, OR_FILEINFO,
                  "scheme://*.domain in a string is no comment"),
    AP_INIT_ITERATE("FakeTwo", fake_two, NULL, OR_FILEINFO, "help"),
    FAKE_FLAG("FakeThree", three),
    { NULL }
};
const char fake_off[] = "O" "ff";
static const char *const cors_field_names[2] = { "FakeOne", "FakeThree" };
static const char *const cors_field_defaults[2] = { "O" "n", fake_off };
C
put('docs/directives.md', <<'MD');
# Directives

## FakeOne

| Description: | one |
|---|---|
| Syntax: | `FakeOne value` |
| Default: | none |
| Context: | server config |

## FakeThree

| Description: | three |
|---|---|
| Syntax: | `FakeThree On\|Off` |
| Context: | server config |

## FakeGone

| Description: | a directive the code no longer has |
|---|---|
| Syntax: | `FakeGone x` |
| Default: | none |
| Context: | server config |

```text
## NotAHeading inside a code block
```
MD
put('README.md', <<'MD');
# Fake

[ok](docs/directives.md#fakeone) [ok too](#fake)
[missing file](docs/nowhere.md) [missing anchor](docs/directives.md#faketwo)
`[in code](docs/nowhere-either.md)`
[web](https://example.com/x.md)
MD

my @fake_code = CorsDocs::directives_in_code($fake);
is_deeply \@fake_code, [qw(FakeOne FakeThree FakeTwo)],
    'fake tree: AP_INIT_* and macro entries found, comments left out';

my @fp = CorsDocs::directive_problems($fake);
ok( (grep { /FakeTwo .*has no '## FakeTwo' section/ } @fp),
    'fake tree: a directive without a section is reported')
    or diag join "\n", @fp;
ok( (grep { /FakeThree has no 'Default:' line/ } @fp),
    'fake tree: a section without a Default line is reported')
    or diag join "\n", @fp;
ok( (grep { /section 'FakeGone' documents no directive/ } @fp),
    'fake tree: a section for a directive the code does not have is reported')
    or diag join "\n", @fp;
ok !(grep { /FakeOne/ || /NotAHeading/ } @fp),
    'fake tree: a complete section and a code block raise nothing'
    or diag join "\n", @fp;

is_deeply CorsDocs::dump_defaults($fake), { FakeOne => 'On', FakeThree => 'Off' },
    'fake tree: the dump defaults are read, string constants and joined literals too';
my @fd = CorsDocs::default_problems($fake);
ok( @fd == 1 && $fd[0] =~ /Default of FakeOne \('none'\) does not say 'On'/,
    'fake tree: a Default line that is not the dump\'s default is reported')
    or diag join "\n", @fd;

my @fl = CorsDocs::link_problems($fake, 'README.md');
ok( (grep { /docs\/nowhere\.md: no file docs\/nowhere\.md/ } @fl),
    'fake tree: a link to a missing file is reported')
    or diag join "\n", @fl;
ok( (grep { /#faketwo: docs\/directives\.md has no heading/ } @fl),
    'fake tree: an anchor to a missing heading is reported')
    or diag join "\n", @fl;
is scalar(@fl), 2,
    'fake tree: nothing else is reported (good links, code, web)'
    or diag join "\n", @fl;

remove_tree($fake);
