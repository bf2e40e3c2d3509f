"""Domains the adaptation study builds in a scratch folder from their public source (never
committed): each module says where its data comes from and under what licence."""
