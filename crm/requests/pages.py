API_ROUTES: list = []
PAGE_ROUTES: list = []
