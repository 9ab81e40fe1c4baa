"""Speeds up the Rasa server: its check of every action-server reply re-validated Rasa's constant
response schema against its meta-schema each time (about 50 ms per action call, measured with
py-spy). Imported by assistant.nlu_components, so it is in place before the first message."""
import functools
import json

import jsonschema


@functools.lru_cache(maxsize=32)
def _checked_validator(validator_class, schema_json: str):
    """A validator for a schema that has been checked against its meta-schema once, not per call."""
    schema = json.loads(schema_json)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_with_checked_schema(instance, schema, cls=None, *args, **kwargs):
    """jsonschema.validate, with the schema's own check done once per schema instead of on every call.

    Rasa validates every action server response with jsonschema.validate, which first re-checks
    Rasa's constant response schema against the 2020-12 meta-schema: measured at ~50 ms of the Rasa
    process's CPU per action call, most of a turn's time. The response itself is still validated.
    """
    if args or kwargs:
        return _stock_validate(instance, schema, cls, *args, **kwargs)
    try:
        schema_json = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):  # not plain JSON: leave it to jsonschema as it comes
        return _stock_validate(instance, schema, cls)
    validator = _checked_validator(cls or jsonschema.validators.validator_for(schema), schema_json)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


_stock_validate = jsonschema.validate
# Rasa imports `validate` from jsonschema inside the call, so this reaches the Rasa process's calls;
# this module is loaded by the Rasa server with the model, before the first message.
jsonschema.validate = validate_with_checked_schema
