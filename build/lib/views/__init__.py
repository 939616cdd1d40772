"""What handlers and jobs both show: text rendered for the messenger (views.render), the cards of saved
records, reminder and digest texts, the workbook and the charts. Views read models; handlers, jobs and the
command line use views; views use none of them."""
