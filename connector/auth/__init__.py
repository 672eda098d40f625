"""Who may post a submission: tokens, WPForms signatures, Standard Webhooks signatures."""
