"""Mailings: every e-mail dispatch of the partnership (warnings, follow-up rounds and the subscriptions'
confirmations) with its progress, on one members' page under /samverkan/<slug>/invanare/utskick/."""
