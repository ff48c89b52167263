"""The error classes of contract 1: attributes, mapping from HTTP status, retryable flags."""

import pytest
from mirakl import errors


@pytest.mark.parametrize("status, cls, retryable", [
    (400, errors.MiraklValidationError, False),
    (401, errors.MiraklAuthError, False),
    (403, errors.MiraklAuthError, False),
    (404, errors.MiraklNotFoundError, False),
    (405, errors.MiraklValidationError, False),
    (409, errors.MiraklValidationError, False),
    (415, errors.MiraklValidationError, False),
    (422, errors.MiraklValidationError, False),
    (429, errors.MiraklRateLimitError, True),
    (500, errors.MiraklServerError, True),
    (503, errors.MiraklServerError, True),
])
def test_status_maps_to_the_contract_class(status, cls, retryable):
    error_class = errors.error_class_for_status(status)
    assert error_class is cls
    assert issubclass(error_class, errors.MiraklError)
    assert error_class("x").retryable is retryable


def test_error_carries_operation_status_message_and_item_errors():
    item = {"code": "ORDER_INVALID_STATE", "field": None, "message": "wrong state"}
    error = errors.MiraklValidationError("Order is not WAITING_ACCEPTANCE", operation="OR21",
                                         status=400, errors=[item])
    assert (error.operation, error.status, error.errors) == ("OR21", 400, [item])
    assert error.message == "Order is not WAITING_ACCEPTANCE"
    assert str(error) == "OR21 400: Order is not WAITING_ACCEPTANCE"
    assert "OR21" in repr(error) and "MiraklValidationError" in repr(error)


def test_retryable_can_be_overridden_per_call():
    assert errors.MiraklServerError("x", retryable=False).retryable is False
    assert errors.MiraklNetworkError("x", kind="timeout").retryable is True


def test_rate_limit_and_network_specific_attributes():
    assert errors.MiraklRateLimitError("slow down", status=429, retry_after=7).retry_after == 7
    assert errors.MiraklNetworkError("cut", kind="malformed").kind == "malformed"
    with pytest.raises(ValueError, match="unknown network error kind 'eof'"):
        errors.MiraklNetworkError("cut", kind="eof")
