async def test_start_shows_menu(app, double):
    chat = double.user(first_name="Anna", language_code="pl")
    await chat.send("/start")
    print(chat.last.text)
    print(chat.last.buttons)
    await chat.tap(chat.last.buttons[4])
    print(chat.last.text)
