"""The customer's booking pages. Thin: read the request, check access, call one service,
render or redirect. Server-rendered, usable without JavaScript, a CSRF token on every form,
never cached (each page is one customer's).

- ``checkout``: the quote reviewed and booked;
- ``payment``: the payment page and the sandbox's authentication page;
- ``manage``: my bookings, one booking, confirmation, request sent, ``.ics``, cancel.
"""
