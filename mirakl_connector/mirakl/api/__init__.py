"""One module per Mirakl API domain; mirakl.client composes them into MiraklClient."""
