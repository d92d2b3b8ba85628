<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
http_response_code(503);
header('Retry-After: 30');
header('Content-Type: text/html; charset=UTF-8');
?>
<!doctype html>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
    <title>Error 503: Service Unavailable</title>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
</head>
<body>
<main class="page-main">
<!-- [start] center -->
    <div id="main" class="col-main">
    <!-- [start] content -->
        <div class="page-title">
            <h1>Service Temporarily Unavailable</h1>
        </div>
        <p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p>
    <!-- [end] content -->
    </div>
<!-- [end] center -->
</main>
</body>
</html>
