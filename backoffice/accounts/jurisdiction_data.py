"""Regional bureaus and the prefectures in their jurisdiction (§13 D13), loaded by a data migration.

Administrators can edit the mapping afterwards; this is only the starting point.
"""

from __future__ import annotations

# (code, 日本語, English, receipt-number prefix)
BUREAUS: list[tuple[str, str, str, str]] = [
    ("sapporo", "札幌出入国在留管理局", "Sapporo Regional Immigration Services Bureau", "札オン"),
    ("sendai", "仙台出入国在留管理局", "Sendai Regional Immigration Services Bureau", "仙オン"),
    ("tokyo", "東京出入国在留管理局", "Tokyo Regional Immigration Services Bureau", "東オン"),
    ("nagoya", "名古屋出入国在留管理局", "Nagoya Regional Immigration Services Bureau", "名オン"),
    ("osaka", "大阪出入国在留管理局", "Osaka Regional Immigration Services Bureau", "阪オン"),
    ("hiroshima", "広島出入国在留管理局", "Hiroshima Regional Immigration Services Bureau", "広オン"),
    ("takamatsu", "高松出入国在留管理局", "Takamatsu Regional Immigration Services Bureau", "高オン"),
    ("fukuoka", "福岡出入国在留管理局", "Fukuoka Regional Immigration Services Bureau", "福オン"),
]

# (JIS code, 日本語, English, bureau code)
PREFECTURES: list[tuple[str, str, str, str]] = [
    ("01", "北海道", "Hokkaido", "sapporo"),
    ("02", "青森県", "Aomori", "sendai"),
    ("03", "岩手県", "Iwate", "sendai"),
    ("04", "宮城県", "Miyagi", "sendai"),
    ("05", "秋田県", "Akita", "sendai"),
    ("06", "山形県", "Yamagata", "sendai"),
    ("07", "福島県", "Fukushima", "sendai"),
    ("08", "茨城県", "Ibaraki", "tokyo"),
    ("09", "栃木県", "Tochigi", "tokyo"),
    ("10", "群馬県", "Gunma", "tokyo"),
    ("11", "埼玉県", "Saitama", "tokyo"),
    ("12", "千葉県", "Chiba", "tokyo"),
    ("13", "東京都", "Tokyo", "tokyo"),
    ("14", "神奈川県", "Kanagawa", "tokyo"),
    ("15", "新潟県", "Niigata", "tokyo"),
    ("16", "富山県", "Toyama", "nagoya"),
    ("17", "石川県", "Ishikawa", "nagoya"),
    ("18", "福井県", "Fukui", "nagoya"),
    ("19", "山梨県", "Yamanashi", "tokyo"),
    ("20", "長野県", "Nagano", "tokyo"),
    ("21", "岐阜県", "Gifu", "nagoya"),
    ("22", "静岡県", "Shizuoka", "nagoya"),
    ("23", "愛知県", "Aichi", "nagoya"),
    ("24", "三重県", "Mie", "nagoya"),
    ("25", "滋賀県", "Shiga", "osaka"),
    ("26", "京都府", "Kyoto", "osaka"),
    ("27", "大阪府", "Osaka", "osaka"),
    ("28", "兵庫県", "Hyogo", "osaka"),
    ("29", "奈良県", "Nara", "osaka"),
    ("30", "和歌山県", "Wakayama", "osaka"),
    ("31", "鳥取県", "Tottori", "hiroshima"),
    ("32", "島根県", "Shimane", "hiroshima"),
    ("33", "岡山県", "Okayama", "hiroshima"),
    ("34", "広島県", "Hiroshima", "hiroshima"),
    ("35", "山口県", "Yamaguchi", "hiroshima"),
    ("36", "徳島県", "Tokushima", "takamatsu"),
    ("37", "香川県", "Kagawa", "takamatsu"),
    ("38", "愛媛県", "Ehime", "takamatsu"),
    ("39", "高知県", "Kochi", "takamatsu"),
    ("40", "福岡県", "Fukuoka", "fukuoka"),
    ("41", "佐賀県", "Saga", "fukuoka"),
    ("42", "長崎県", "Nagasaki", "fukuoka"),
    ("43", "熊本県", "Kumamoto", "fukuoka"),
    ("44", "大分県", "Oita", "fukuoka"),
    ("45", "宮崎県", "Miyazaki", "fukuoka"),
    ("46", "鹿児島県", "Kagoshima", "fukuoka"),
    ("47", "沖縄県", "Okinawa", "fukuoka"),
]
