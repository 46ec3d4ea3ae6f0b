"""Posts, shift patterns, monthly rosters, overrides and swaps; and the resolver: who holds each
post of unit U at instant T."""
