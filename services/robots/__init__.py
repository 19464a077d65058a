"""Group robots of WeCom, DingTalk and Feishu: the units' officials' groups besides Telegram (issue #15).

``render`` turns a Telegram group's message into each platform's messages, ``client`` posts them
(signing, pacing, sorting the answers), ``channel`` delivers the outbox's robot rows, ``targets``
manages which robots a unit has.
"""
