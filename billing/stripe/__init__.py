"""Stripe Checkout top-ups: credit packs, starting a payment, the signed webhook."""
