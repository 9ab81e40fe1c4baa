"""The front desk's side of the assistant: call-back and telemedicine requests, opening hours, phone numbers."""
