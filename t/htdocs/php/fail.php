<?php
// t/php_fpm.t: a script that sets its own Access-Control-Allow-Origin,
// asks for a 500 and then dies of a fatal error (an undefined function),
// as a broken application does. The 500 must carry mod_cors's headers
// only. Every run appends a line to $CORS_PHP_RUNS.
file_put_contents(getenv('CORS_PHP_RUNS'), sprintf("%s %s acrm=%s\n",
    $_SERVER['REQUEST_METHOD'], $_SERVER['REQUEST_URI'],
    $_SERVER['HTTP_ACCESS_CONTROL_REQUEST_METHOD'] ?? '-'),
    FILE_APPEND | LOCK_EX);
header('Access-Control-Allow-Origin: *');
header('X-Php: fail');
http_response_code(500);
cors_test_no_such_function();
echo "not reached\n";
