"""The morning view for managers and admins: what needs doing today, each figure a link."""
