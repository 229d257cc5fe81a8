"""The API rate limit holds under concurrency: ten clients on one token, real HTTP against a
live server, and no more than the limit gets through (#12 finding 9)."""

import threading
import urllib.error
import urllib.request

import pytest
from rest_framework.settings import api_settings

from mops.accounts.services import api_token_create

LIMIT = 15
CLIENTS = 10
REQUESTS_EACH = 6  # 60 requests against a limit of 15


@pytest.fixture
def low_limit(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": f"{LIMIT}/hour"},
    }
    assert api_settings.DEFAULT_THROTTLE_RATES["user"] == f"{LIMIT}/hour"


def _get(url: str, key: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_clients_on_one_token_get_no_more_than_the_limit(
    live_server, users, low_limit
):
    _, key = api_token_create(user=users["pm"], name="burst")
    url = f"{live_server.url}/api/v1/me/"
    barrier = threading.Barrier(CLIENTS)
    codes: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        barrier.wait()
        for _ in range(REQUESTS_EACH):
            code = _get(url, key)
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(codes) == CLIENTS * REQUESTS_EACH
    assert set(codes) <= {200, 429}, codes
    assert codes.count(200) == LIMIT, codes
    assert codes.count(429) == CLIENTS * REQUESTS_EACH - LIMIT


@pytest.mark.django_db(transaction=True)
def test_a_throttled_answer_says_when_to_retry_in_the_error_format(live_server, users, low_limit):
    _, key = api_token_create(user=users["engineer"], name="retry")
    url = f"{live_server.url}/api/v1/me/"
    for _ in range(LIMIT):
        assert _get(url, key) == 200
    request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 429
    assert int(refused.value.headers["Retry-After"]) > 0
    assert b'"errors"' in refused.value.read()
