"""The browser pages, one module per part of the day's work; ROUTES gathers their handlers."""

from casework.web.pages import approvals, cases, letters, pupils, referrals, sign_in, worklist

ROUTES = [
    *sign_in.ROUTES,
    *worklist.ROUTES,
    *cases.ROUTES,
    *letters.ROUTES,
    *pupils.ROUTES,
    *approvals.ROUTES,
    *referrals.ROUTES,
]
